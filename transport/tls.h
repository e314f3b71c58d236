/*
 * tls.h - OpenSSL contexts for both sides of the transport.
 *
 * Both sides speak TLS 1.2 or 1.3 (1.3 preferred) and insist on ALPN "h2". The
 * server verifies client certificates against a CA, required or optional; the
 * client verifies the server against a CA and presents its own certificate.
 *
 * Entry points: ssc_tls_server_ctx(), ssc_tls_client_ctx(), ssc_tls_peer(),
 * ssc_tls_subject(), ssc_tls_drop_peer_chain().
 */
#ifndef SSC_TLS_H
#define SSC_TLS_H

#include <openssl/ssl.h>
#include <stddef.h>

/* Builds a server context from PEM files. require_client_cert: handshakes
 * without a verified client certificate fail; otherwise one is asked for and
 * verified if sent. Sessions resume (TLS 1.2 and 1.3) from stateless tickets
 * sealed with keys the context makes at random, so a session resumes only on
 * a connection to the same context (the same sscd process, until a reload
 * replaces the context), and only while the client certificate it was
 * verified with is within its validity period; otherwise the client gets a
 * full handshake. Returns the context (one reference, the caller's) or NULL
 * with a reason in err ("could not load certificate server.pem: ..."). */
SSL_CTX *ssc_tls_server_ctx(const char *cert, const char *key,
                            const char *client_ca, int require_client_cert,
                            char *err, size_t errlen);

/* Builds a client context: ca verifies the server; cert and key (both or
 * neither) identify the client. Returns the context or NULL with err. */
SSL_CTX *ssc_tls_client_ctx(const char *ca, const char *cert, const char *key,
                            char *err, size_t errlen);

/* Reads the identity of the verified peer certificate: *subject becomes its
 * subject in RFC 2253 form, whole, as a NUL-terminated string of exactly its
 * size (the caller's, freed with free()), and fingerprint the lower-case hex
 * SHA-256 of its DER. On a resumed session the certificate and its
 * verification result are the ones the session was made with. Returns 0;
 * SSC_ENOTFOUND when no certificate was presented or it did not verify; or
 * SSC_ETLS when the identity could not be read in full. On failure *subject
 * is NULL and fingerprint "": an identity is never partial. */
int ssc_tls_peer(SSL *ssl, char **subject, char fingerprint[65]);

/* Prints the subject of cert in RFC 2253 form, whole, into a new
 * NUL-terminated string of exactly its size (the caller's, freed with
 * free()). Returns 0, or SSC_ETLS with *subject NULL when OpenSSL could not
 * print it or printed a NUL byte (never a shortened subject). */
int ssc_tls_subject(X509 *cert, char **subject);

/* Frees the certificates the peer sent along with its own (the rest of its
 * chain, often including the root it was issued by), which the SSL otherwise
 * keeps, decoded, for the life of the connection: about 5 KiB each. Call once
 * the handshake is done and the identity is read; afterwards
 * SSL_get_peer_cert_chain() is empty. The peer's own certificate and the
 * verified chain stay. */
void ssc_tls_drop_peer_chain(SSL *ssl);

#endif
