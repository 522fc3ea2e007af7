#include "store/postgres/pg_listener.hpp"

#include <libpq-fe.h>
#include <poll.h>

#include <cerrno>
#include <memory>

namespace ca::store {
namespace {

struct ConnFinish {
  void operator()(PGconn* c) const { PQfinish(c); }
};
struct ResultClear {
  void operator()(PGresult* r) const { PQclear(r); }
};
struct NotifyFree {
  void operator()(PGnotify* n) const { PQfreemem(n); }
};
using ConnPtr = std::unique_ptr<PGconn, ConnFinish>;
using ResultPtr = std::unique_ptr<PGresult, ResultClear>;
using NotifyPtr = std::unique_ptr<PGnotify, NotifyFree>;

std::string message(PGconn* conn) {
  std::string out = PQerrorMessage(conn);
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

class PgListener final : public JobListener {
 public:
  explicit PgListener(ConnPtr conn) : conn_(std::move(conn)) {}

  Result<bool> wait(std::chrono::milliseconds timeout) override {
    if (drain()) return true;
    const int fd = PQsocket(conn_.get());
    if (fd < 0) return lost();
    pollfd p{fd, POLLIN, 0};
    const int n = ::poll(&p, 1, static_cast<int>(timeout.count()));
    if (n < 0) return errno == EINTR ? Result<bool>(false) : lost();
    if (n == 0) return false;
    if (PQconsumeInput(conn_.get()) == 0) return lost();
    return drain();
  }

 private:
  // Consumes every pending notification; true when there was one.
  bool drain() {
    bool any = false;
    while (NotifyPtr n{PQnotifies(conn_.get())}) any = true;
    return any;
  }
  Error lost() { return Error::unavailable("LISTEN connection lost: " + message(conn_.get())); }

  ConnPtr conn_;
};

}  // namespace

Result<std::unique_ptr<JobListener>> make_pg_listener(const std::string& url,
                                                      const std::string& channel) {
  const char* keys[] = {"connect_timeout", "application_name", "dbname", nullptr};
  const char* values[] = {"5", "creator-agents-listener", url.c_str(), nullptr};
  ConnPtr conn(PQconnectdbParams(keys, values, /*expand_dbname=*/1));
  if (!conn) return Error::unavailable("cannot connect to PostgreSQL: out of memory");
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    return Error::unavailable("cannot connect to PostgreSQL: " + message(conn.get()));
  }
  char* ident = PQescapeIdentifier(conn.get(), channel.c_str(), channel.size());
  if (ident == nullptr) return Error::internal("bad LISTEN channel: " + message(conn.get()));
  std::string sql = std::string("LISTEN ") + ident;
  PQfreemem(ident);
  ResultPtr res(PQexec(conn.get(), sql.c_str()));
  if (!res || PQresultStatus(res.get()) != PGRES_COMMAND_OK) {
    return Error::unavailable("LISTEN failed: " + message(conn.get()));
  }
  return std::unique_ptr<JobListener>(std::make_unique<PgListener>(std::move(conn)));
}

}  // namespace ca::store
