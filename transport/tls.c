/*
 * tls.c - OpenSSL server and client contexts, and peer identity.
 *
 * Entry points: ssc_tls_server_ctx(), ssc_tls_client_ctx(), ssc_tls_peer(),
 * ssc_tls_subject(), ssc_tls_drop_peer_chain().
 */
#include "tls.h"

#include "err.h"
#include "hex.h"
#include "mem.h"

#include <openssl/err.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <string.h>

static const unsigned char alpn_h2[] = {2, 'h', '2'};

/* The session id context says what a session was verified for; a session
 * resumes only on a server with the same one. While peer verification is on
 * OpenSSL resumes nothing without it, failing the handshake with an internal
 * error alert instead. One constant serves: a ticket opens only on the
 * context whose keys sealed it, and a context verifies clients one way. */
static const unsigned char session_id_context[] = {'s', 's', 'c', 'd'};

/* Formats "what: reason" using the newest queued OpenSSL error, and clears the
 * queue so the next failure starts clean. */
static void tls_err(char *err, size_t errlen, const char *what,
                    const char *file)
{
    unsigned long e = ERR_peek_last_error();
    char reason[256] = "unknown reason";

    if (e != 0)
        ERR_error_string_n(e, reason, sizeof(reason));
    snprintf(err, errlen, "%s %s: %s", what, file ? file : "", reason);
    ERR_clear_error();
}

static int alpn_select(SSL *ssl, const unsigned char **out,
                       unsigned char *outlen, const unsigned char *in,
                       unsigned int inlen, void *arg)
{
    unsigned char *sel = NULL;
    unsigned char sellen = 0;

    (void)ssl;
    (void)arg;
    if (SSL_select_next_proto(&sel, &sellen, alpn_h2, sizeof(alpn_h2), in,
                              inlen) != OPENSSL_NPN_NEGOTIATED)
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    *out = sel;
    *outlen = sellen;
    return SSL_TLSEXT_ERR_OK;
}

/* Non-zero while now is within cert's validity period. */
static int cert_current(const X509 *cert)
{
    return X509_cmp_current_time(X509_get0_notBefore(cert)) < 0 &&
           X509_cmp_current_time(X509_get0_notAfter(cert)) > 0;
}

/* Decides whether a decrypted ticket resumes. A resumed session brings back
 * the client certificate it was verified with and is not verified again, and
 * in TLS 1.3 each resumption renews the ticket, so a chain of them could
 * outlive the certificate. A ticket whose certificate has expired (or is not
 * yet valid) is not used: the client gets a full handshake, which verifies
 * what it presents. Anything else keeps OpenSSL's own outcome. */
static SSL_TICKET_RETURN ticket_decrypted(SSL *ssl, SSL_SESSION *session,
                                          const unsigned char *keyname,
                                          size_t keyname_len,
                                          SSL_TICKET_STATUS status, void *arg)
{
    const X509 *peer;

    (void)ssl;
    (void)keyname;
    (void)keyname_len;
    (void)arg;
    if (status != SSL_TICKET_SUCCESS && status != SSL_TICKET_SUCCESS_RENEW)
        return SSL_TICKET_RETURN_IGNORE_RENEW; /* keeps EMPTY, NO_DECRYPT */
    peer = SSL_SESSION_get0_peer(session);
    if (peer != NULL && !cert_current(peer))
        return SSL_TICKET_RETURN_IGNORE_RENEW;
    return status == SSL_TICKET_SUCCESS ? SSL_TICKET_RETURN_USE
                                        : SSL_TICKET_RETURN_USE_RENEW;
}

static SSL_CTX *ctx_common(const SSL_METHOD *method)
{
    SSL_CTX *ctx = SSL_CTX_new(method);

    if (ctx == NULL)
        return NULL;
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    /* HTTP/2 (RFC 9113 section 9.2) forbids renegotiation and compression. */
    SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                                 SSL_OP_CIPHER_SERVER_PREFERENCE);
    /* Idle connections give their record buffers back. */
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
    SSL_CTX_set_cipher_list(ctx, "ECDHE+AESGCM:ECDHE+CHACHA20");
    return ctx;
}

static int load_identity(SSL_CTX *ctx, const char *cert, const char *key,
                         char *err, size_t errlen)
{
    if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
        tls_err(err, errlen, "could not load certificate", cert);
        return -1;
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
        tls_err(err, errlen, "could not load private key", key);
        return -1;
    }
    if (SSL_CTX_check_private_key(ctx) != 1) {
        tls_err(err, errlen, "private key does not match certificate", key);
        return -1;
    }
    return 0;
}

SSL_CTX *ssc_tls_server_ctx(const char *cert, const char *key,
                            const char *client_ca, int require_client_cert,
                            char *err, size_t errlen)
{
    SSL_CTX *ctx = ctx_common(TLS_server_method());
    STACK_OF(X509_NAME) * names;
    int mode = SSL_VERIFY_PEER;

    if (ctx == NULL) {
        tls_err(err, errlen, "could not create tls context", NULL);
        return NULL;
    }
    if (load_identity(ctx, cert, key, err, errlen) < 0)
        goto err;
    if (SSL_CTX_load_verify_locations(ctx, client_ca, NULL) != 1) {
        tls_err(err, errlen, "could not load client ca", client_ca);
        goto err;
    }
    names = SSL_load_client_CA_file(client_ca);
    if (names != NULL)
        SSL_CTX_set_client_CA_list(ctx, names);
    if (require_client_cert)
        mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
    SSL_CTX_set_verify(ctx, mode, NULL);
    SSL_CTX_set_alpn_select_cb(ctx, alpn_select, NULL);
    if (SSL_CTX_set_session_id_context(ctx, session_id_context,
                                       sizeof(session_id_context)) != 1) {
        tls_err(err, errlen, "could not set the session id context", NULL);
        goto err;
    }
    /* Stateless tickets: resumption needs no session memory in sscd. Their
     * keys are made at random with the context, so a ticket resumes only on
     * the sscd process that issued it, until a reload makes a new context;
     * another instance or a restart gives the client a full handshake. The
     * ticket carries the client's certificate and its verification result,
     * which ssc_tls_peer() reads on the resumed connection, and is used only
     * while that certificate is valid (ticket_decrypted()). */
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_num_tickets(ctx, 1);
    if (SSL_CTX_set_session_ticket_cb(ctx, NULL, ticket_decrypted, NULL) != 1) {
        tls_err(err, errlen, "could not set the session ticket callback", NULL);
        goto err;
    }
    return ctx;
err:
    SSL_CTX_free(ctx);
    return NULL;
}

SSL_CTX *ssc_tls_client_ctx(const char *ca, const char *cert, const char *key,
                            char *err, size_t errlen)
{
    SSL_CTX *ctx = ctx_common(TLS_client_method());

    if (ctx == NULL) {
        tls_err(err, errlen, "could not create tls context", NULL);
        return NULL;
    }
    if (SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1) {
        tls_err(err, errlen, "could not load ca", ca);
        goto err;
    }
    if (cert != NULL && key != NULL &&
        load_identity(ctx, cert, key, err, errlen) < 0)
        goto err;
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    if (SSL_CTX_set_alpn_protos(ctx, alpn_h2, sizeof(alpn_h2)) != 0) {
        tls_err(err, errlen, "could not set alpn", NULL);
        goto err;
    }
    return ctx;
err:
    SSL_CTX_free(ctx);
    return NULL;
}

int ssc_tls_subject(X509 *cert, char **subject)
{
    BIO *mem = BIO_new(BIO_s_mem());
    char *data = NULL;
    long n;
    int printed, rc = SSC_ETLS;

    *subject = NULL;
    if (mem == NULL)
        goto out;
    printed = X509_NAME_print_ex(mem, X509_get_subject_name(cert), 0,
                                 XN_FLAG_RFC2253);
    n = BIO_get_mem_data(mem, &data);
    /* RFC 2253 escaping leaves no NUL in a subject; one here would make the
     * string read shorter than the subject is. */
    if (printed < 0 || n != printed ||
        (n > 0 && memchr(data, '\0', (size_t)n) != NULL))
        goto out;
    *subject = ssc_xstrndup(n > 0 ? data : "", (size_t)n);
    rc = 0;
out:
    if (rc != 0)
        ERR_clear_error();
    BIO_free(mem);
    return rc;
}

int ssc_tls_peer(SSL *ssl, char **subject, char fingerprint[65])
{
    X509 *cert = SSL_get0_peer_certificate(ssl);
    unsigned char md[32];
    unsigned int mdlen = 0;

    *subject = NULL;
    fingerprint[0] = '\0';
    if (cert == NULL || SSL_get_verify_result(ssl) != X509_V_OK)
        return SSC_ENOTFOUND;
    if (X509_digest(cert, EVP_sha256(), md, &mdlen) != 1 || mdlen != 32) {
        ERR_clear_error();
        return SSC_ETLS;
    }
    if (ssc_tls_subject(cert, subject) != 0)
        return SSC_ETLS;
    ssc_hex_encode(md, 32, fingerprint);
    return 0;
}

void ssc_tls_drop_peer_chain(SSL *ssl)
{
    /* The stack belongs to the SSL's session and holds one reference to each
     * certificate, which is all that freeing the session would drop; the
     * verified chain holds references of its own. Nothing reads the sent
     * chain after the handshake: renegotiation is off, and a session ticket
     * does not carry it (a resumed session has none to drop; the ticket
     * brings back the peer's own certificate and verification result). */
    STACK_OF(X509) *chain = SSL_get_peer_cert_chain(ssl);
    X509 *x;

    if (chain == NULL)
        return;
    while ((x = sk_X509_pop(chain)) != NULL)
        X509_free(x);
}
