/*
 * tls.h - OpenSSL contexts for both sides of the transport.
 *
 * Both sides speak TLS 1.2 or 1.3 (1.3 preferred) and insist on ALPN "h2". The
 * server verifies client certificates against a CA, required or optional; the
 * client verifies the server against a CA and presents its own certificate.
 *
 * Entry points: ssc_tls_server_ctx(), ssc_tls_client_ctx(), ssc_tls_peer(),
 * ssc_tls_drop_peer_chain().
 */
#ifndef SSC_TLS_H
#define SSC_TLS_H

#include <openssl/ssl.h>
#include <stddef.h>

/* Builds a server context from PEM files. require_client_cert: handshakes
 * without a verified client certificate fail; otherwise one is asked for and
 * verified if sent. Returns the context (one reference, the caller's) or NULL
 * with a reason in err ("could not load certificate server.pem: ..."). */
SSL_CTX *ssc_tls_server_ctx(const char *cert, const char *key,
                            const char *client_ca, int require_client_cert,
                            char *err, size_t errlen);

/* Builds a client context: ca verifies the server; cert and key (both or
 * neither) identify the client. Returns the context or NULL with err. */
SSL_CTX *ssc_tls_client_ctx(const char *ca, const char *cert, const char *key,
                            char *err, size_t errlen);

/* Fills subject (RFC 2253) and fingerprint (lower-case hex SHA-256 of the DER)
 * of the verified peer certificate. Returns 1 when there is one, else 0 with
 * both set to "". subject must hold subject_len bytes, fingerprint 65. */
int ssc_tls_peer(SSL *ssl, char *subject, size_t subject_len,
                 char fingerprint[65]);

/* Frees the certificates the peer sent along with its own (the rest of its
 * chain, often including the root it was issued by), which the SSL otherwise
 * keeps, decoded, for the life of the connection: about 5 KiB each. Call once
 * the handshake is done and the identity is read; afterwards
 * SSL_get_peer_cert_chain() is empty. The peer's own certificate and the
 * verified chain stay. */
void ssc_tls_drop_peer_chain(SSL *ssl);

#endif
