// Everything CZlib adds is static inline in CZlib.h; a C target needs one source file.
#include "CZlib.h"
