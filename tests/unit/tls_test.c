/*
 * tls_test.c - unit tests for transport/tls.c: the peer's identity read
 * whole however long its subject, and session resumption (TLS 1.2 and 1.3)
 * keeping that identity.
 *
 * The test makes its own PKI with the OpenSSL API (a CA, the server and
 * clients with chosen subjects), writes it to a temporary directory for the
 * context builders, and runs both ends of each handshake in memory over a BIO
 * pair: no sockets, no threads.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "err.h"
#include "tls.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* 40 OUs of 60 characters and a CN print as about 2,600 bytes: past any
 * fixed buffer the identity ever had, and past the 2048 bytes a principal's
 * subject may have. */
#define N_OU 40
#define OU_CHARS 60
#define SUBJECT_MAX 4096
#define DAY (24 * 3600L)
/* The lifetime of the certificate "brief", which expires during the test. */
#define BRIEF_S 2L

typedef struct pki {
    char dir[64];
    EVP_PKEY *ca_key;
    X509 *ca;
} pki;

static pki the_pki;

/* ---- making certificates ----------------------------------------------- */

static void add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509_EXTENSION *ext;

    X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
    ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    assert_non_null(ext);
    assert_int_equal(X509_add_ext(cert, ext, -1), 1);
    X509_EXTENSION_free(ext);
}

/* A certificate for key with subject name, signed by issuer (NULL: itself),
 * valid from a minute ago for valid_s seconds from now. */
static X509 *make_cert(X509_NAME *name, EVP_PKEY *key, X509 *issuer,
                       EVP_PKEY *issuer_key, int is_ca, long valid_s)
{
    static long serial = 1;
    X509 *cert = X509_new();

    assert_non_null(cert);
    X509_set_version(cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), serial++);
    X509_gmtime_adj(X509_getm_notBefore(cert), -60);
    X509_gmtime_adj(X509_getm_notAfter(cert), valid_s);
    X509_set_subject_name(cert, name);
    X509_set_issuer_name(cert,
                         issuer != NULL ? X509_get_subject_name(issuer) : name);
    X509_set_pubkey(cert, key);
    if (is_ca) {
        add_ext(cert, cert, NID_basic_constraints, "critical,CA:TRUE");
        add_ext(cert, cert, NID_key_usage, "critical,keyCertSign,cRLSign");
    } else {
        add_ext(cert, issuer, NID_basic_constraints, "critical,CA:FALSE");
    }
    assert_true(X509_sign(cert, issuer_key != NULL ? issuer_key : key,
                          EVP_sha256()) > 0);
    return cert;
}

static void write_pem(const char *name, X509 *cert, EVP_PKEY *key)
{
    char path[128];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s.pem", the_pki.dir, name);
    f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(PEM_write_X509(f, cert), 1);
    fclose(f);
    snprintf(path, sizeof(path), "%s/%s.key", the_pki.dir, name);
    f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL),
                     1);
    fclose(f);
}

static void add_entry(X509_NAME *name, const char *field, const char *value)
{
    assert_int_equal(X509_NAME_add_entry_by_txt(name, field, MBSTRING_ASC,
                                                (const unsigned char *)value,
                                                -1, -1, 0),
                     1);
}

/* The name O=org, N_OU OUs, CN=cn (in that order in the certificate, so
 * RFC 2253 prints CN first and O last) and that RFC 2253 form in want. */
static X509_NAME *long_name(const char *org, const char *cn, char *want,
                            size_t wantlen)
{
    X509_NAME *name = X509_NAME_new();
    char ou[N_OU][OU_CHARS + 1];
    size_t len;

    assert_non_null(name);
    add_entry(name, "O", org);
    for (int i = 0; i < N_OU; i++) {
        memset(ou[i], 'a' + i % 26, OU_CHARS);
        snprintf(ou[i], 4, "%03d", i);
        ou[i][3] = '-';
        ou[i][OU_CHARS] = '\0';
        add_entry(name, "OU", ou[i]);
    }
    add_entry(name, "CN", cn);
    len = (size_t)snprintf(want, wantlen, "CN=%s", cn);
    for (int i = N_OU - 1; i >= 0; i--)
        len += (size_t)snprintf(want + len, wantlen - len, ",OU=%s", ou[i]);
    snprintf(want + len, wantlen - len, ",O=%s", org);
    return name;
}

/* Issues FILE.pem and FILE.key for a client with subject name, valid for
 * valid_s seconds from now. */
static void issue_client(const char *file, X509_NAME *name, long valid_s)
{
    EVP_PKEY *key = EVP_EC_gen("P-256");
    X509 *cert;

    assert_non_null(key);
    cert = make_cert(name, key, the_pki.ca, the_pki.ca_key, 0, valid_s);
    write_pem(file, cert, key);
    X509_free(cert);
    EVP_PKEY_free(key);
    X509_NAME_free(name);
}

static char want_long[SUBJECT_MAX], want_other[SUBJECT_MAX];

static int setup_pki(void **state)
{
    X509_NAME *name = X509_NAME_new();
    EVP_PKEY *key;
    X509 *cert;

    (void)state;
    snprintf(the_pki.dir, sizeof(the_pki.dir), "/tmp/ssc-tls-test.XXXXXX");
    assert_non_null(mkdtemp(the_pki.dir));
    the_pki.ca_key = EVP_EC_gen("P-256");
    add_entry(name, "CN", "tls test CA");
    the_pki.ca = make_cert(name, the_pki.ca_key, NULL, NULL, 1, DAY);
    X509_NAME_free(name);
    write_pem("ca", the_pki.ca, the_pki.ca_key);

    name = X509_NAME_new();
    add_entry(name, "CN", "localhost");
    key = EVP_EC_gen("P-256");
    cert = make_cert(name, key, the_pki.ca, the_pki.ca_key, 0, DAY);
    write_pem("server", cert, key);
    X509_free(cert);
    EVP_PKEY_free(key);
    X509_NAME_free(name);

    issue_client("long",
                 long_name("Ministry A", "desk", want_long, sizeof(want_long)),
                 DAY);
    /* The same as "long" up to the O, which RFC 2253 prints last. */
    issue_client(
        "other",
        long_name("Ministry B", "desk", want_other, sizeof(want_other)), DAY);
    name = X509_NAME_new();
    add_entry(name, "O", "ssc test");
    add_entry(name, "CN", "short");
    issue_client("short", name, DAY);
    name = X509_NAME_new();
    add_entry(name, "CN", "brief");
    issue_client("brief", name, BRIEF_S);
    return 0;
}

static int teardown_pki(void **state)
{
    static const char *const files[] = {"ca",    "server", "long", "other",
                                        "short", "brief",  NULL};
    char path[128];

    (void)state;
    for (int i = 0; files[i] != NULL; i++) {
        snprintf(path, sizeof(path), "%s/%s.pem", the_pki.dir, files[i]);
        unlink(path);
        snprintf(path, sizeof(path), "%s/%s.key", the_pki.dir, files[i]);
        unlink(path);
    }
    rmdir(the_pki.dir);
    X509_free(the_pki.ca);
    EVP_PKEY_free(the_pki.ca_key);
    return 0;
}

/* ---- handshakes in memory ---------------------------------------------- */

static void path_of(char *out, size_t n, const char *name, const char *ext)
{
    snprintf(out, n, "%s/%s.%s", the_pki.dir, name, ext);
}

static SSL_CTX *server_ctx(int require)
{
    char cert[128], key[128], ca[128], err[256];
    SSL_CTX *ctx;

    path_of(cert, sizeof(cert), "server", "pem");
    path_of(key, sizeof(key), "server", "key");
    path_of(ca, sizeof(ca), "ca", "pem");
    ctx = ssc_tls_server_ctx(cert, key, ca, require, err, sizeof(err));
    if (ctx == NULL)
        fail_msg("%s", err);
    return ctx;
}

/* A client context presenting client's certificate (NULL: none), speaking
 * only TLS version. */
static SSL_CTX *client_ctx(const char *client, int version)
{
    char cert[128], key[128], ca[128], err[256];
    SSL_CTX *ctx;

    path_of(cert, sizeof(cert), client != NULL ? client : "", "pem");
    path_of(key, sizeof(key), client != NULL ? client : "", "key");
    path_of(ca, sizeof(ca), "ca", "pem");
    ctx = ssc_tls_client_ctx(ca, client != NULL ? cert : NULL,
                             client != NULL ? key : NULL, err, sizeof(err));
    if (ctx == NULL)
        fail_msg("%s", err);
    SSL_CTX_set_min_proto_version(ctx, version);
    SSL_CTX_set_max_proto_version(ctx, version);
    return ctx;
}

typedef struct tls_pair {
    SSL *client;
    SSL *server;
} tls_pair;

static int want_more(SSL *ssl, int r)
{
    int e = SSL_get_error(ssl, r);

    return e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE;
}

/* Connects a new client and server over a BIO pair, resuming session if
 * given, and runs the handshake to its end. Returns 0, or -1 when either
 * side failed (what OpenSSL said is printed). */
static int handshake(tls_pair *l, SSL_CTX *cctx, SSL_CTX *sctx,
                     SSL_SESSION *session)
{
    BIO *cb, *sb;
    int cdone = 0, sdone = 0;

    l->client = SSL_new(cctx);
    l->server = SSL_new(sctx);
    assert_non_null(l->client);
    assert_non_null(l->server);
    assert_int_equal(BIO_new_bio_pair(&cb, 0, &sb, 0), 1);
    SSL_set_bio(l->client, cb, cb);
    SSL_set_bio(l->server, sb, sb);
    SSL_set_connect_state(l->client);
    SSL_set_accept_state(l->server);
    if (session != NULL)
        assert_int_equal(SSL_set_session(l->client, session), 1);
    for (int i = 0; i < 64 && !(cdone && sdone); i++) {
        int r;

        if (!cdone) {
            r = SSL_do_handshake(l->client);
            cdone = r == 1;
            if (r <= 0 && !want_more(l->client, r))
                break;
        }
        if (!sdone) {
            r = SSL_do_handshake(l->server);
            sdone = r == 1;
            if (r <= 0 && !want_more(l->server, r))
                break;
        }
    }
    if (cdone && sdone)
        return 0;
    ERR_print_errors_fp(stderr);
    return -1;
}

/* Closes both ends properly first: OpenSSL marks the session of a
 * connection freed without close_notify as not resumable. */
static void pair_free(tls_pair *l)
{
    SSL_shutdown(l->client);
    SSL_shutdown(l->server);
    SSL_free(l->client);
    SSL_free(l->server);
}

/* The client's session once any ticket the server sent has been read (TLS
 * 1.3 sends tickets after the handshake). */
static SSL_SESSION *client_session(SSL *client)
{
    unsigned char b;
    SSL_SESSION *s;

    assert_int_equal(SSL_read(client, &b, 1), -1);
    assert_int_equal(SSL_get_error(client, -1), SSL_ERROR_WANT_READ);
    s = SSL_get1_session(client);
    assert_non_null(s);
    assert_int_equal(SSL_SESSION_is_resumable(s), 1);
    return s;
}

/* ---- tests ------------------------------------------------------------- */

/* The peer's subject is read whole, however long, and two certificates that
 * differ only after the first 255 bytes of it are told apart. */
static void test_peer_long_subject(void **state)
{
    SSL_CTX *sctx = server_ctx(1);
    const char *clients[] = {"long", "other"};
    const char *wants[] = {want_long, want_other};
    char fp[2][65];

    (void)state;
    assert_true(strlen(want_long) > 2048);
    assert_memory_equal(want_long, want_other, 255);
    assert_string_not_equal(want_long, want_other);
    for (int i = 0; i < 2; i++) {
        SSL_CTX *cctx = client_ctx(clients[i], TLS1_3_VERSION);
        char *subject = NULL;
        tls_pair l;

        assert_int_equal(handshake(&l, cctx, sctx, NULL), 0);
        assert_int_equal(ssc_tls_peer(l.server, &subject, fp[i]), 0);
        assert_non_null(subject);
        assert_string_equal(subject, wants[i]);
        assert_int_equal(strlen(fp[i]), 64);
        free(subject);
        pair_free(&l);
        SSL_CTX_free(cctx);
    }
    assert_string_not_equal(fp[0], fp[1]);
    SSL_CTX_free(sctx);
}

/* No certificate: not found, and nothing half filled in. */
static void test_peer_none(void **state)
{
    SSL_CTX *sctx = server_ctx(0);
    SSL_CTX *cctx = client_ctx(NULL, TLS1_3_VERSION);
    char fp[65] = "x";
    char *subject = (char *)"x";
    tls_pair l;

    (void)state;
    assert_int_equal(handshake(&l, cctx, sctx, NULL), 0);
    assert_int_equal(ssc_tls_peer(l.server, &subject, fp), SSC_ENOTFOUND);
    assert_null(subject);
    assert_string_equal(fp, "");
    pair_free(&l);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
}

/* ssc_tls_subject() prints what RFC 2253 says, whole. */
static void test_subject_of_cert(void **state)
{
    char path[128], *subject = NULL;
    X509 *cert;
    FILE *f;

    (void)state;
    path_of(path, sizeof(path), "other", "pem");
    f = fopen(path, "r");
    assert_non_null(f);
    cert = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    assert_non_null(cert);
    assert_int_equal(ssc_tls_subject(cert, &subject), 0);
    assert_string_equal(subject, want_other);
    free(subject);
    X509_free(cert);
}

/* A session resumes, and the resumed connection has the same identity as the
 * first: the certificate and its verification result come back with the
 * ticket. The first connection's sent chain is dropped, as sscd does, before
 * the ticket is used; on the resumed one dropping finds nothing to harm. */
static void resume(int version)
{
    SSL_CTX *sctx = server_ctx(1);
    SSL_CTX *cctx = client_ctx("long", version);
    char *first = NULL, *again = NULL, fp1[65], fp2[65];
    SSL_SESSION *session;
    tls_pair l;

    assert_int_equal(handshake(&l, cctx, sctx, NULL), 0);
    assert_int_equal(SSL_version(l.server), version);
    assert_int_equal(ssc_tls_peer(l.server, &first, fp1), 0);
    ssc_tls_drop_peer_chain(l.server);
    session = client_session(l.client);
    pair_free(&l);

    assert_int_equal(handshake(&l, cctx, sctx, session), 0);
    assert_int_equal(SSL_session_reused(l.client), 1);
    assert_int_equal(SSL_session_reused(l.server), 1);
    assert_int_equal(ssc_tls_peer(l.server, &again, fp2), 0);
    assert_string_equal(again, first);
    assert_string_equal(again, want_long);
    assert_string_equal(fp2, fp1);
    free(again);
    ssc_tls_drop_peer_chain(l.server);
    assert_int_equal(ssc_tls_peer(l.server, &again, fp2), 0);
    assert_string_equal(again, first);
    free(again);
    free(first);
    pair_free(&l);
    SSL_SESSION_free(session);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
}

static void test_resume_tls12(void **state)
{
    (void)state;
    resume(TLS1_2_VERSION);
}

static void test_resume_tls13(void **state)
{
    (void)state;
    resume(TLS1_3_VERSION);
}

/* A ticket from one context does not open on another (a restarted or other
 * sscd): the client gets a full handshake, not a failure. */
static void test_resume_other_context(void **state)
{
    SSL_CTX *sctx = server_ctx(1), *sctx2 = server_ctx(1);
    SSL_CTX *cctx = client_ctx("short", TLS1_3_VERSION);
    SSL_SESSION *session;
    char *subject = NULL, fp[65];
    tls_pair l;

    (void)state;
    assert_int_equal(handshake(&l, cctx, sctx, NULL), 0);
    session = client_session(l.client);
    pair_free(&l);
    assert_int_equal(handshake(&l, cctx, sctx2, session), 0);
    assert_int_equal(SSL_session_reused(l.server), 0);
    assert_int_equal(ssc_tls_peer(l.server, &subject, fp), 0);
    assert_string_equal(subject, "CN=short,O=ssc test");
    free(subject);
    pair_free(&l);
    SSL_SESSION_free(session);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx2);
    SSL_CTX_free(sctx);
}

/* A session whose client certificate has expired since does not resume: the
 * client is sent to a full handshake, where the expired certificate fails. */
static void test_resume_expired(void **state)
{
    SSL_CTX *sctx = server_ctx(1);
    SSL_CTX *cctx = client_ctx("brief", TLS1_3_VERSION);
    SSL_SESSION *session;
    tls_pair l;

    (void)state;
    assert_int_equal(handshake(&l, cctx, sctx, NULL), 0);
    session = client_session(l.client);
    pair_free(&l);
    sleep((unsigned)BRIEF_S + 1);
    assert_int_not_equal(handshake(&l, cctx, sctx, session), 0);
    assert_int_equal(SSL_session_reused(l.server), 0);
    ERR_clear_error();
    pair_free(&l);
    SSL_SESSION_free(session);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_peer_long_subject),
        cmocka_unit_test(test_peer_none),
        cmocka_unit_test(test_subject_of_cert),
        cmocka_unit_test(test_resume_tls12),
        cmocka_unit_test(test_resume_tls13),
        cmocka_unit_test(test_resume_other_context),
        cmocka_unit_test(test_resume_expired),
    };

    return cmocka_run_group_tests(tests, setup_pki, teardown_pki);
}
