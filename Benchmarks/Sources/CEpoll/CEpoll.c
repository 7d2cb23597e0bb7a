// Intentionally empty: the module is its header.
#include "CEpoll.h"
