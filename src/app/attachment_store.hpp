// DESIGN: attachment bytes live under <data dir>/attachments/<2 hex>/<sha256>, named by their
// content hash, so the same file sent twice is stored once. A blob is written to a temporary
// file, fsynced and renamed before its metadata row is committed; the MIME type is sniffed
// from the bytes with libmagic (one magic_t per thread), never taken from the client.
//
// Removing bytes: a blob is shared by every attachment row that names its hash, so no single
// change deletes it. A row stops naming it (the customer unsent the file: the row keeps its
// place without the hash), or never came to (the request that saved the bytes then failed), and
// sweepUnreferencedBlobs() removes the files no row names. A blob is saved before its row is
// committed, so the sweep only takes files older than a grace period (at least an hour in the
// server: an e-mail with 20 large files saves them all before its one commit), and a save that
// finds the blob already there renews its modification time (or, when it may not, writes the
// file anew); both under one mutex with the sweep's own last look, so a file is never removed
// between a save that counts on it and its row's commit (as long as that commit comes within
// the grace period). Only one process may sweep a directory: the mutex does not reach other
// nodes, and a shared file system's attribute cache may show them an old time.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "app/clock.hpp"
#include "app/store.hpp"

namespace parley::app {

// Where the blob with this content hash lies under the attachments root (see above): the one
// place that knows the layout, for the store and for the gateways that read files to send.
inline std::filesystem::path blobPath(const std::filesystem::path& root, const std::string& sha256) {
  return root / sha256.substr(0, 2) / sha256;
}
// A blob's name: 64 lower-case hex digits (a SHA-256).
bool isBlobName(std::string_view name);

// The bytes of the blob with this content hash, for a gateway that sends the file (on the outbox
// worker, never an I/O thread); nullopt when it is missing.
std::optional<std::string> readBlob(const std::filesystem::path& root, const std::string& sha256);

class AttachmentStore {
 public:
  AttachmentStore(Store& store, const Clock& clock, std::filesystem::path root, std::int64_t max_bytes);

  // Writes the blob and its metadata row; TooLarge over the limit, InvalidInput when empty.
  // `uploaded_by`: the agent who uploaded it (only they may use it until it is sent).
  Result<core::Attachment> save(core::TenantId tenant, const std::string& bytes, const std::string& filename,
                                core::UserId uploaded_by = {});
  // Writes only the blob (for callers that insert the row in their own transaction).
  Result<core::Attachment> saveBlob(core::TenantId tenant, const std::string& bytes, const std::string& filename);
  std::filesystem::path pathOf(const core::Attachment& attachment) const;
  std::int64_t maxBytes() const { return max_bytes_; }

  struct SweepReport {
    int removed = 0;               // blobs no attachment names any more
    std::int64_t bytes_freed = 0;
    int temporary_removed = 0;     // half-written files a crash left behind
    bool skipped_wrong_database = false;
    std::optional<core::Error> error;  // the store could not be read: the sweep stopped there
  };
  // Removes the blobs no attachment row names any more and temporary files left by a crash,
  // each only once unchanged for `grace` (see the DESIGN note). Stops early when `stopping()`
  // says so (a shutdown). When the store cannot be read the sweep stops there and reports what
  // it removed so far with the error. Removes no blob at all when the database names no file
  // while old blobs lie in the directory (a wrong or empty database: `skipped_wrong_database`).
  SweepReport sweepUnreferencedBlobs(std::chrono::seconds grace, const std::function<bool()>& stopping = {});

 private:
  Store& store_;
  const Clock& clock_;
  std::filesystem::path root_;
  std::int64_t max_bytes_;
  std::mutex blob_mutex_;  // a save's "is it there / put it there" against the sweep's removal
};

std::string sniffMimeType(const std::string& bytes);
// The usual file extension of these bytes' type, without the dot ("jpeg", "pdf"), or "" when
// libmagic knows none.
std::string sniffExtension(const std::string& bytes);
// `filename` as it is when it has an extension, else with the one of its bytes' type appended.
std::string withExtensionFor(const std::string& filename, const std::string& bytes);
// Keeps a file name safe for a Content-Disposition header and a file system.
std::string sanitizeFilename(const std::string& name);

}  // namespace parley::app
