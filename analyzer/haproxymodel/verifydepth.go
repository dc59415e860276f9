package haproxymodel

// IntermediatesVerified is how many intermediate CA certificates a client
// chain may hold and still verify on a `bind … ca-file … verify` line.
// HAProxy has no setting for the verification depth (2.6 rejects
// `verify-depth`) and leaves OpenSSL's default, 100: every chain a public
// CA issues verifies. Proven against HAProxy by TestVerifyDepthOracle.
const IntermediatesVerified = 100
