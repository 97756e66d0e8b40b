#include "app/attachment_store.hpp"

#include <fcntl.h>
#include <magic.h>
#include <unistd.h>

#include <cctype>
#include <fstream>
#include <memory>

#include "app/crypto.hpp"
#include "core/text.hpp"

namespace parley::app {

std::optional<std::string> readBlob(const std::filesystem::path& root, const std::string& sha256) {
  if (sha256.size() < 2) return std::nullopt;
  std::ifstream in(blobPath(root, sha256), std::ios::binary);
  if (!in) return std::nullopt;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

using core::ErrorCode;
using core::makeError;

namespace {

struct MagicDeleter {
  void operator()(magic_t m) const { magic_close(m); }
};

bool writeFileDurably(const std::filesystem::path& path, const std::string& bytes) {
  const auto temp = path.string() + ".tmp" + randomHex(4);
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (fd < 0) return false;
  std::size_t done = 0;
  while (done < bytes.size()) {
    auto n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n <= 0) {
      ::close(fd);
      ::unlink(temp.c_str());
      return false;
    }
    done += static_cast<std::size_t>(n);
  }
  bool ok = ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(temp.c_str(), path.c_str()) != 0) {
    ::unlink(temp.c_str());
    return false;
  }
  return true;
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
  if (!std::filesystem::exists(path, ec)) {
    std::filesystem::create_directories(path.parent_path(), ec);
    if (ec || !writeFileDurably(path, bytes)) {
      return makeError(ErrorCode::Unavailable, "could not write the attachment to disk");
    }
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

}  // namespace parley::app
