// The decoders cut their input with `UnsafeRawBufferPointer.slice(_:)`, defined once in
// RingwayCore for both codecs; this import makes it visible to the whole module.
import RingwayCore
