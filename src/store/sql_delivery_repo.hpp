#pragma once

#include "store/delivery_repo.hpp"
#include "store/sql.hpp"

namespace ca::store {

class SqlDeliveryRepo final : public DeliveryRepo {
 public:
  explicit SqlDeliveryRepo(SqlSession& s) : s_(s) {}

 private:
  [[maybe_unused]] SqlSession& s_;
};

}  // namespace ca::store
