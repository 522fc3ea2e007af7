// Checkpoints the SQLite WAL on its own thread and connection. SQLite's default
// auto-checkpoint runs inside the COMMIT that crosses the threshold: that writer copies
// every changed page back into the database file and waits for two fsyncs while holding
// the single write lock, so every other writer queues behind it. Here the writer's commit
// only raises a flag (a WAL hook), and a PASSIVE checkpoint copies the bulk of the WAL
// beside the writers. The WAL can only be rewound once a checkpoint has caught up with the
// last commit and no reader still uses its frames, which never happens while writers keep
// appending; so the checkpointer then takes one turn as a writer, copies the few frames
// written meanwhile and waits (at most 10 ms) for older readers to finish. When writers
// outrun it (the WAL four times past the threshold), it checkpoints under the turn from
// the start, and a commit that finds a bulk copy still running waits for it, so writers
// wait as they would with SQLite's own auto-checkpoint.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "domain/result.hpp"

struct sqlite3;

namespace ca::store {

class WalCheckpointer {
 public:
  // `pages`: WAL frames a commit may leave before a checkpoint is due.
  static Result<std::unique_ptr<WalCheckpointer>> start(const std::string& path, int pages);
  ~WalCheckpointer();  // stops the thread; a last checkpoint runs when its connection closes
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

  // Runs its argument while no other writer can commit (the store's writer turn); returns
  // false when the turn could not be had.
  using Exclusive = std::function<bool(const std::function<void()>&)>;

  // Replaces `writer`'s auto-checkpoint with a signal to this thread and starts it. The
  // checkpointer must outlive the writer connection.
  void attach(sqlite3* writer, Exclusive exclusive);

  // Checkpoints run so far, for tests and logs.
  long checkpoints() const;

 private:
  struct DbClose {
    void operator()(sqlite3* db) const;
  };
  WalCheckpointer(std::unique_ptr<sqlite3, DbClose> db, int pages);
  static int on_commit(void* self, sqlite3* db, const char* schema, int frames);
  void loop();
  int checkpoint(int mode, int& log, int& done);
  void bulk(bool running);

  std::unique_ptr<sqlite3, DbClose> db_;
  const int pages_;
  std::atomic<int> frames_{0};  // in the WAL after the last commit
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable bulk_done_;
  bool bulk_running_ = false;  // a PASSIVE copy beside the writers is under way
  bool due_ = false;
  bool stopping_ = false;
  long checkpoints_ = 0;
  Exclusive exclusive_;
  std::thread thread_;
};

}  // namespace ca::store
