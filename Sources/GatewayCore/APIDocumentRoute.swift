package import Hummingbird

extension Router<BasicRequestContext> {
    /// Serves a product's API document at `GET /openapi.yaml` on that product's port (the YAML of
    /// docs/<product>-openapi.yaml, embedded by scripts/generate-openapi.sh).
    package func addAPIDocument(_ yaml: String) {
        get("/openapi.yaml") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/yaml; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: yaml)))
        }
    }
}
