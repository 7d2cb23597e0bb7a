// Swift-facing shim over zlib. Swift imports zlib's functions and constants directly; this
// header only adds functions for its init macros, which pass the library version and the
// struct size behind the caller's back and so cannot be imported.
#ifndef RINGWAY_CZLIB_H
#define RINGWAY_CZLIB_H

#include <zlib.h>

/// deflateInit2 as a function (a macro in zlib.h).
static inline int ringway_deflate_init2(z_streamp stream, int level, int windowBits, int memLevel, int strategy) {
    return deflateInit2(stream, level, Z_DEFLATED, windowBits, memLevel, strategy);
}

/// inflateInit2 as a function (a macro in zlib.h).
static inline int ringway_inflate_init2(z_streamp stream, int windowBits) {
    return inflateInit2(stream, windowBits);
}

#endif // RINGWAY_CZLIB_H
