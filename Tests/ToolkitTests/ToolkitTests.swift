// The toolkit tests: one folder per area (Router, Request, Response, Middleware, Multipart).
import Testing
