package caddymodel

// IntermediatesVerified is how many intermediate CA certificates a client
// chain may hold and still verify under `client_auth` with a trusted CA:
// Caddy (Go's crypto/tls) verifies the chain the client sends with no
// depth limit, so every chain a public CA issues verifies. Proven against
// Caddy by TestVerifyDepthOracle.
const IntermediatesVerified = 1 << 30
