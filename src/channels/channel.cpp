#include "channels/channel.hpp"
