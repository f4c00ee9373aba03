package import Fleet
package import Hummingbird
package import Wire

/// Counts each HTTP request of a product's port as a message in and its response as a message out, and records how
/// long the request took (`switchyard_gateway_request_duration_seconds`). The outermost middleware, so refusals
/// (a shed request's 503, an error body) count too.
package struct TrafficMiddleware<Context: RequestContext>: RouterMiddleware {
    let product: ProductCode
    let counters: ProcessCounters
    let messagesIn: EdgeCounter?
    let messagesOut: EdgeCounter?

    /// A middleware that counts `product`'s requests into `counters`.
    package init(product: ProductCode, counters: ProcessCounters) {
        self.product = product
        self.counters = counters
        messagesIn = EdgeCounter.messagesIn(of: product)
        messagesOut = EdgeCounter.messagesOut(of: product)
    }

    package func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        let start = ContinuousClock.now
        if let messagesIn { counters.add(messagesIn) }
        defer {
            if let messagesOut { counters.add(messagesOut) }
            counters.observeDuration(.requestDuration, product: product, since: start)
        }
        return try await next(request, context)
    }
}
