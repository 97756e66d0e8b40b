#include "app/attachment_store.hpp"

#include <fcntl.h>
#include <magic.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <memory>
#include <vector>

#include "app/crypto.hpp"
#include "core/text.hpp"

namespace parley::app {

bool isBlobName(std::string_view name) {
  return name.size() == 64 &&
         std::all_of(name.begin(), name.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

std::optional<std::string> readBlob(const std::filesystem::path& root, const std::string& sha256) {
  if (sha256.size() < 2) return std::nullopt;
  std::ifstream in(blobPath(root, sha256), std::ios::binary);
  if (!in) return std::nullopt;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

using core::ErrorCode;
using core::makeError;

namespace {

constexpr const char* kTemporaryMark = ".tmp";

struct MagicDeleter {
  void operator()(magic_t m) const { magic_close(m); }
};

// Writes the bytes to a new temporary file next to `path` and fsyncs it; its name, or "" on
// failure (nothing left behind then). The caller renames it into place.
std::string writeTemporaryDurably(const std::filesystem::path& path, const std::string& bytes) {
  const auto temp = path.string() + kTemporaryMark + randomHex(4);
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (fd < 0) return "";
  std::size_t done = 0;
  while (done < bytes.size()) {
    auto n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n <= 0) {
      ::close(fd);
      ::unlink(temp.c_str());
      return "";
    }
    done += static_cast<std::size_t>(n);
  }
  bool ok = ::fsync(fd) == 0;
  if (::close(fd) != 0) ok = false;
  if (!ok) {
    ::unlink(temp.c_str());
    return "";
  }
  return temp;
}

}  // namespace

namespace {

using MagicCookie = std::unique_ptr<std::remove_pointer_t<magic_t>, MagicDeleter>;

MagicCookie openMagic(int flags) {
  magic_t m = magic_open(flags);
  if (m && magic_load(m, nullptr) != 0) {
    magic_close(m);
    m = nullptr;
  }
  return MagicCookie(m);
}

}  // namespace

std::string sniffMimeType(const std::string& bytes) {
  thread_local MagicCookie cookie = openMagic(MAGIC_MIME_TYPE);
  if (!cookie) return "application/octet-stream";
  const char* type = magic_buffer(cookie.get(), bytes.data(), bytes.size());
  return type ? type : "application/octet-stream";
}

std::string sniffExtension(const std::string& bytes) {
  thread_local MagicCookie cookie = openMagic(MAGIC_EXTENSION);
  if (!cookie) return "";
  const char* found = magic_buffer(cookie.get(), bytes.data(), bytes.size());
  // "jpeg/jpg/jpe/jfif": the first is the file type's usual extension; "???" when none is known.
  const std::string list = found ? found : "";
  const std::string first = list.substr(0, list.find('/'));
  if (first.empty() || first.size() > 8) return "";
  for (unsigned char c : first) {
    if (!std::isalnum(c)) return "";
  }
  return first;
}

std::string withExtensionFor(const std::string& filename, const std::string& bytes) {
  if (filename.find('.') != std::string::npos) return filename;  // the sender named it
  const std::string extension = sniffExtension(bytes);
  return extension.empty() ? filename : filename + "." + extension;
}

std::string sanitizeFilename(const std::string& raw) {
  const std::string name = core::toValidUtf8(raw);
  std::string out;
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7f || c == '/' || c == '\\' || c == '"' || c == ';') {
      out.push_back('_');
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  while (!out.empty() && (out.front() == '.' || out.front() == ' ')) out.erase(out.begin());
  if (out.size() > 200) {
    out.resize(200);
    out = core::toValidUtf8(out);  // the cut may have split a character
  }
  return out.empty() ? "attachment" : out;
}

AttachmentStore::AttachmentStore(Store& store, const Clock& clock, std::filesystem::path root, std::int64_t max_bytes)
    : store_(store), clock_(clock), root_(std::move(root)), max_bytes_(max_bytes) {}

std::filesystem::path AttachmentStore::pathOf(const core::Attachment& a) const {
  return blobPath(root_, a.sha256);
}

Result<core::Attachment> AttachmentStore::saveBlob(core::TenantId tenant, const std::string& bytes,
                                                   const std::string& filename) {
  if (bytes.empty()) return makeError(ErrorCode::InvalidInput, "the attachment is empty");
  if (static_cast<std::int64_t>(bytes.size()) > max_bytes_) {
    return makeError(ErrorCode::TooLarge, "the attachment is larger than " + std::to_string(max_bytes_) + " bytes");
  }
  core::Attachment a;
  a.tenant_id = tenant;
  a.sha256 = sha256Hex(bytes);
  a.size = static_cast<std::int64_t>(bytes.size());
  a.content_type = sniffMimeType(bytes);
  // A provider's media often come without a name ("image"): the file still opens on download.
  a.filename = withExtensionFor(sanitizeFilename(filename), bytes);
  a.created_at = clock_.now();
  const auto path = pathOf(a);
  std::error_code ec;
  {
    std::lock_guard lock(blob_mutex_);
    if (std::filesystem::exists(path, ec)) {
      // Stored before: renewing its time keeps the sweep off it until this save's row is
      // committed. A file we may not touch (another owner) is written anew below instead.
      std::filesystem::last_write_time(path, std::filesystem::file_time_type::clock::now(), ec);
      if (!ec) return a;
    }
  }
  std::filesystem::create_directories(path.parent_path(), ec);
  const std::string temp = ec ? "" : writeTemporaryDurably(path, bytes);
  if (temp.empty()) return makeError(ErrorCode::Unavailable, "could not write the attachment to disk");
  std::lock_guard lock(blob_mutex_);
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    ::unlink(temp.c_str());
    return makeError(ErrorCode::Unavailable, "could not write the attachment to disk");
  }
  return a;
}

Result<core::Attachment> AttachmentStore::save(core::TenantId tenant, const std::string& bytes,
                                               const std::string& filename, core::UserId uploaded_by) {
  auto a = saveBlob(tenant, bytes, filename);
  if (!a) return a;
  a->uploaded_by = uploaded_by;
  auto status = store_.write([&](StoreTx& tx) -> Status {
    auto id = tx.insertAttachment(*a);
    if (!id) return id.error();
    a->id = *id;
    return {};
  });
  if (!status) return status.error();
  return a;
}

AttachmentStore::SweepReport AttachmentStore::sweepUnreferencedBlobs(std::chrono::seconds grace,
                                                                     const std::function<bool()>& stopping) {
  namespace fs = std::filesystem;
  using FileClock = fs::file_time_type::clock;
  SweepReport report;
  const auto cutoff = FileClock::now() - grace;
  auto unchangedSinceCutoff = [&cutoff](const fs::path& file) {
    std::error_code ec;
    const auto modified = fs::last_write_time(file, ec);
    return !ec && modified < cutoff;
  };
  auto stop = [&] { return report.error || report.skipped_wrong_database || (stopping && stopping()); };

  // Asks the store about a batch of old blobs and removes the ones no row names.
  std::vector<std::string> batch;
  bool database_checked = false;
  auto settle = [&]() {
    if (batch.empty() || stop()) return;
    std::vector<std::string> referenced;
    bool names_any = true;
    auto read = store_.read([&](StoreTx& tx) -> Status {
      auto found = tx.referencedBlobs(batch);
      if (!found) return found.error();
      referenced = std::move(*found);
      if (!database_checked && referenced.empty()) {
        auto any = tx.namesAnyBlob();
        if (!any) return any.error();
        names_any = *any;
      }
      return {};
    });
    if (!read) {
      report.error = read.error();
      return;
    }
    database_checked = true;
    if (!names_any) {
      report.skipped_wrong_database = true;
      return;
    }
    std::sort(referenced.begin(), referenced.end());
    for (const auto& sha : batch) {
      if (std::binary_search(referenced.begin(), referenced.end(), sha)) continue;
      const auto file = blobPath(root_, sha);
      std::lock_guard lock(blob_mutex_);
      if (!unchangedSinceCutoff(file)) continue;  // a save renewed it meanwhile
      std::error_code ec;
      const auto size = fs::file_size(file, ec);
      if (fs::remove(file, ec) && !ec) {
        ++report.removed;
        report.bytes_freed += static_cast<std::int64_t>(size);
      }
    }
    batch.clear();
  };

  std::error_code ec;
  for (fs::directory_iterator dir(root_, ec), end; !ec && dir != end && !stop(); dir.increment(ec)) {
    const std::string prefix = dir->path().filename().string();
    if (prefix.size() != 2 || !dir->is_directory(ec)) continue;
    std::error_code inner;
    for (fs::directory_iterator it(dir->path(), inner), done; !inner && it != done && !stop(); it.increment(inner)) {
      const std::string name = it->path().filename().string();
      if (!it->is_regular_file(inner)) continue;
      if (name.find(kTemporaryMark) != std::string::npos) {
        // A save writes and renames its temporary file within moments: an old one is a crash's.
        std::error_code gone;
        if (unchangedSinceCutoff(it->path()) && fs::remove(it->path(), gone)) ++report.temporary_removed;
        continue;
      }
      if (!isBlobName(name) || name.compare(0, 2, prefix) != 0 || !unchangedSinceCutoff(it->path())) continue;
      batch.push_back(name);
      if (batch.size() == 500) settle();
    }
  }
  settle();
  return report;
}

}  // namespace parley::app
