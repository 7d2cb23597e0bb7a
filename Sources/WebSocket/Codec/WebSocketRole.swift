/// Which end of a connection a codec speaks for (RFC 6455 §5.1): a client masks every frame it
/// sends and accepts only unmasked frames; a server the reverse. permessage-deflate is
/// negotiated for the server end only (`PerMessageDeflate.negotiate`), so a client-role codec
/// runs without it.
public enum WebSocketRole: Sendable, Equatable {
    /// The server end: decodes masked client frames, sends unmasked frames.
    case server
    /// The client end: decodes unmasked server frames, sends masked frames.
    case client
}
