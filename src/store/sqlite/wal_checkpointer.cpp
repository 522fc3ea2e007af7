#include "store/sqlite/wal_checkpointer.hpp"

#include <sqlite3.h>

#include <spdlog/spdlog.h>

namespace ca::store {

namespace {
constexpr int kReaderWaitMs = 10;
constexpr int kLagFactor = 4;  // WAL size, in thresholds, that makes writers wait
}  // namespace

void WalCheckpointer::DbClose::operator()(sqlite3* db) const { sqlite3_close_v2(db); }

Result<std::unique_ptr<WalCheckpointer>> WalCheckpointer::start(const std::string& path,
                                                                int pages) {
  sqlite3* raw = nullptr;
  const int rc =
      sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
  std::unique_ptr<sqlite3, DbClose> db(raw);
  if (rc != SQLITE_OK) {
    return Error::unavailable("cannot open SQLite database " + path + " for checkpoints: " +
                              (db ? sqlite3_errmsg(db.get()) : sqlite3_errstr(rc)));
  }
  // This connection never writes rows; it only copies WAL frames into the database file.
  // The busy timeout bounds how long a RESTART checkpoint, holding the writer turn, waits
  // for readers to leave the WAL; past it, the checkpoint is retried later.
  sqlite3_busy_timeout(db.get(), kReaderWaitMs);
  sqlite3_wal_autocheckpoint(db.get(), 0);
  // A connection finds out that the file is in WAL mode on its first read; until then a
  // checkpoint does nothing.
  if (sqlite3_exec(db.get(), "PRAGMA schema_version", nullptr, nullptr, nullptr) != SQLITE_OK) {
    return Error::unavailable("cannot read SQLite database " + path + ": " +
                              sqlite3_errmsg(db.get()));
  }
  return std::unique_ptr<WalCheckpointer>(new WalCheckpointer(std::move(db), pages));
}

WalCheckpointer::WalCheckpointer(std::unique_ptr<sqlite3, DbClose> db, int pages)
    : db_(std::move(db)), pages_(pages) {}

WalCheckpointer::~WalCheckpointer() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  bulk_done_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void WalCheckpointer::attach(sqlite3* writer, Exclusive exclusive) {
  exclusive_ = std::move(exclusive);
  sqlite3_wal_hook(writer, &WalCheckpointer::on_commit, this);
  thread_ = std::thread([this] { loop(); });
}

long WalCheckpointer::checkpoints() const {
  std::lock_guard lock(mu_);
  return checkpoints_;
}

// Runs on the writer's thread inside COMMIT: normally a flag and a wake-up. Far past the
// threshold while a bulk copy runs, the writer waits for that copy to end (it needs no
// writer turn, so this cannot deadlock); the checkpointer then finishes under the turn.
// Without this wait a slow copy (a loaded disk) let a fast writer grow the WAL unbounded.
int WalCheckpointer::on_commit(void* self, sqlite3* /*db*/, const char* /*schema*/, int frames) {
  auto* me = static_cast<WalCheckpointer*>(self);
  me->frames_.store(frames, std::memory_order_relaxed);
  if (frames < me->pages_) return SQLITE_OK;
  std::unique_lock lock(me->mu_);
  if (frames >= me->pages_ * kLagFactor) {
    me->bulk_done_.wait(lock, [me] { return !me->bulk_running_ || me->stopping_; });
  }
  if (me->due_) return SQLITE_OK;
  me->due_ = true;
  lock.unlock();
  me->cv_.notify_one();
  return SQLITE_OK;
}

void WalCheckpointer::bulk(bool running) {
  {
    std::lock_guard lock(mu_);
    bulk_running_ = running;
  }
  if (!running) bulk_done_.notify_all();
}

// PASSIVE copies what no reader still needs and never waits.
int WalCheckpointer::checkpoint(int mode, int& log, int& done) {
  const int rc = sqlite3_wal_checkpoint_v2(db_.get(), nullptr, mode, &log, &done);
  if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
    spdlog::warn("sqlite: WAL checkpoint failed: {}", sqlite3_errmsg(db_.get()));
  }
  return rc;
}

void WalCheckpointer::loop() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [this] { return due_ || stopping_; });
    if (stopping_) return;
    lock.unlock();
    int log = 0;
    int done = 0;
    // A writer can append faster than a checkpoint copies back. Once the WAL is far past
    // the threshold, all of the checkpoint runs under the writer turn: writers wait, as
    // they would with SQLite's own auto-checkpoint, and the WAL stops growing.
    const bool lagging = frames_.load(std::memory_order_relaxed) >= pages_ * kLagFactor;
    int rc = SQLITE_OK;
    if (!lagging) {
      bulk(true);
      rc = checkpoint(SQLITE_CHECKPOINT_PASSIVE, log, done);
      bulk(false);
    }
    if (rc == SQLITE_OK) {
      // The rest under the writer turn. RESTART also waits (briefly, see the busy timeout)
      // for readers still using WAL frames, so the next write transaction can rewind it:
      // readers that start after a complete checkpoint read the database file instead.
      exclusive_([&] { rc = checkpoint(SQLITE_CHECKPOINT_RESTART, log, done); });
    }
    lock.lock();
    // Commits during the checkpoint did not signal (it was already due); it stays due
    // until a checkpoint has caught up with the WAL.
    if (rc == SQLITE_OK && done >= log) due_ = false;
    ++checkpoints_;
    if (due_ && !lagging) {
      // Readers pin frames it could not copy, or the turn was not had: try again in 20 ms
      // rather than spinning. Once lagging it asks again at once: each attempt queues for
      // the writer turn behind the writers and waits for readers, which is the back-pressure
      // that bounds the WAL (a 20 ms pause let a fast writer add hundreds of frames).
      cv_.wait_for(lock, std::chrono::milliseconds(20), [this] { return stopping_; });
      if (stopping_) return;
    }
  }
}

}  // namespace ca::store
