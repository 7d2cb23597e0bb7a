import NIOCore
import NIOHTTP1

/// Serves `GET /plaintext`, `GET /json` and `POST /echo` (404 otherwise), in the NIOHTTP1 example server's style.
///
/// Responses are written without flushing; one flush per read burst (`channelReadComplete`) sends them, so
/// pipelined requests, which `HTTPServerPipelineHandler` delivers one at a time, go out together.
final class HTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let dateCache: DateCache
    private var head: HTTPRequestHead?
    private var body: ByteBuffer?
    private var needsFlush = false

    init(dateCache: DateCache) {
        self.dateCache = dateCache
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body = nil
        case .body(var chunk):
            if body == nil {
                body = chunk
            } else {
                body!.writeBuffer(&chunk)
            }
        case .end:
            guard let head else { return }
            self.head = nil
            respond(to: head, context: context)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if needsFlush {
            needsFlush = false
            context.flush()
        }
        context.fireChannelReadComplete()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    private func respond(to head: HTTPRequestHead, context: ChannelHandlerContext) {
        let status: HTTPResponseStatus
        let contentType: String
        let payload: ByteBuffer
        switch (head.method, head.uri) {
        case (.GET, "/plaintext"):
            (status, contentType, payload) = (.ok, "text/plain", Routes.plaintext)
        case (.GET, "/json"):
            (status, contentType, payload) = (.ok, "application/json", Routes.json)
        case (.POST, "/echo"):
            (status, contentType, payload) = (.ok, "application/octet-stream", body ?? Routes.empty)
            body = nil
        default:
            (status, contentType, payload) = (.notFound, "text/plain", Routes.empty)
        }

        let keepAlive = head.isKeepAlive
        var headers = HTTPHeaders()
        headers.reserveCapacity(5)
        headers.add(name: "content-type", value: contentType)
        headers.add(name: "content-length", value: String(payload.readableBytes))
        headers.add(name: "server", value: "nio-peer")
        headers.add(name: "date", value: dateCache.value)
        if !keepAlive {
            headers.add(name: "connection", value: "close")
        }

        let response = HTTPResponseHead(version: head.version, status: status, headers: headers)
        context.write(wrapOutboundOut(.head(response)), promise: nil)
        if payload.readableBytes > 0 {
            context.write(wrapOutboundOut(.body(.byteBuffer(payload))), promise: nil)
        }
        if keepAlive {
            context.write(wrapOutboundOut(.end(nil)), promise: nil)
            needsFlush = true
        } else {
            let loopBoundContext = NIOLoopBound(context, eventLoop: context.eventLoop)
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
                loopBoundContext.value.close(promise: nil)
            }
        }
    }
}
