// Placeholder until actions land.
#include "store/delivery_repo.hpp"
