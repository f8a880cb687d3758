// HTTPS: a self-signed certificate made at test time, a one-thread TLS server, and the
// client's certificate verification on and off.
#include "client_support.hpp"

#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <catch2/catch.hpp>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

using namespace chainbot::http;
using namespace chainbot::http::testing;

namespace {

namespace ssl = boost::asio::ssl;

struct key_free {
    void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct cert_free {
    void operator()(X509* p) const { X509_free(p); }
};

/// An EC P-256 key and a self-signed certificate for 127.0.0.1 (CN and IP SAN), valid for an hour:
/// only its trust is missing.
struct self_signed {
    std::unique_ptr<EVP_PKEY, key_free> key;
    std::unique_ptr<X509, cert_free> cert;
};

self_signed make_self_signed() {
    self_signed id;
    id.key.reset(EVP_EC_gen("P-256"));
    REQUIRE(id.key);
    id.cert.reset(X509_new());
    X509* cert = id.cert.get();
    REQUIRE(X509_set_version(cert, 2) == 1);
    REQUIRE(ASN1_INTEGER_set(X509_get_serialNumber(cert), 1) == 1);
    REQUIRE(X509_gmtime_adj(X509_getm_notBefore(cert), -60));
    REQUIRE(X509_gmtime_adj(X509_getm_notAfter(cert), 3600));
    REQUIRE(X509_set_pubkey(cert, id.key.get()) == 1);
    X509_NAME* name = X509_get_subject_name(cert);
    REQUIRE(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("127.0.0.1"),
                                       -1, -1, 0) == 1);
    REQUIRE(X509_set_issuer_name(cert, name) == 1);
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
    X509_EXTENSION* san = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, "IP:127.0.0.1");
    REQUIRE(san);
    REQUIRE(X509_add_ext(cert, san, -1) == 1);
    X509_EXTENSION_free(san);
    REQUIRE(X509_sign(cert, id.key.get(), EVP_sha256()) > 0);
    return id;
}

/// A TLS server on 127.0.0.1 and its own thread: for each connection, the handshake, one
/// request read, `reply` written; then close_notify, or (`abrupt`) a bare TCP close.
class tls_server {
public:
    tls_server(const self_signed& id, std::string reply, bool abrupt = false)
        : reply_(std::move(reply)), abrupt_(abrupt), context_(ssl::context::tls_server), acceptor_(ioc_, local(0)) {
        REQUIRE(SSL_CTX_use_certificate(context_.native_handle(), id.cert.get()) == 1);
        REQUIRE(SSL_CTX_use_PrivateKey(context_.native_handle(), id.key.get()) == 1);
        port_ = acceptor_.local_endpoint().port();
        thread_ = std::thread([this] { serve(); });
    }
    ~tls_server() {
        stopping_ = true;
        tcp::socket wake(ioc_);
        beast::error_code ec;
        wake.connect(local(port_), ec);
        thread_.join();
    }

    std::string url(const std::string& path = "/") const { return "https://127.0.0.1:" + std::to_string(port_) + path; }
    int handshakes_failed() const { return failed_; }
    std::string last_target() const {
        std::lock_guard lock(mutex_);
        return last_target_;
    }

private:
    void serve() {
        while (true) {
            tcp::socket socket(ioc_);
            beast::error_code ec;
            acceptor_.accept(socket, ec);
            if (stopping_) return;
            if (ec) continue;
            ssl::stream<tcp::socket> stream(std::move(socket), context_);
            stream.handshake(ssl::stream_base::server, ec);
            if (ec) {
                ++failed_;
                continue;
            }
            beast::flat_buffer buffer;
            bhttp::request<bhttp::string_body> req;
            bhttp::read(stream, buffer, req, ec);
            if (ec) continue;
            {
                std::lock_guard lock(mutex_);
                last_target_ = std::string(req.target());
            }
            net::write(stream, net::buffer(reply_), ec);
            if (abrupt_)
                stream.next_layer().close(ec);
            else
                stream.shutdown(ec);  // close_notify; returns when the client has closed
        }
    }

    std::string reply_;
    bool abrupt_;
    net::io_context ioc_;
    ssl::context context_;
    tcp::acceptor acceptor_;
    unsigned short port_ = 0;
    std::atomic<bool> stopping_{false};
    std::atomic<int> failed_{0};
    mutable std::mutex mutex_;
    std::string last_target_;
    std::thread thread_;
};

const std::string hello_reply = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 12\r\n\r\nhello, tls!\n";

}  // namespace

TEST_CASE("client tls: an untrusted certificate fails with tls when verifying", "[http][client][tls]") {
    auto id = make_self_signed();
    tls_server srv(id, hello_reply);
    client_io io;
    http_client client(io.get());

    auto result = client.send_sync({.url = srv.url("/secure"), .timeout = std::chrono::seconds(5)});
    CHECK(result.error == client_error_kind::tls);
    CHECK(result.message.find("certificate") != std::string::npos);
    INFO(result.message);
    CHECK(result.message.find("self-signed") != std::string::npos);
    CHECK(eventually([&] { return srv.handshakes_failed() == 1; }));
}

TEST_CASE("client tls: verify_tls=false accepts it and the exchange completes", "[http][client][tls]") {
    auto id = make_self_signed();
    tls_server srv(id, hello_reply);
    client_io io;
    http_client client(io.get());

    auto result = client.send_sync({.url = srv.url("/secure?x=1"), .timeout = std::chrono::seconds(5), .verify_tls = false});
    INFO(result.message);
    REQUIRE(result.ok());
    CHECK(result.response.status == 200);
    CHECK(result.response.body == "hello, tls!\n");
    CHECK(srv.last_target() == "/secure?x=1");
}

TEST_CASE("client tls: a body ended by a TCP close without close_notify is accepted", "[http][client][tls]") {
    auto id = make_self_signed();
    tls_server srv(id, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nto the end", true);
    client_io io;
    http_client client(io.get());
    auto result = client.send_sync({.url = srv.url(), .timeout = std::chrono::seconds(5), .verify_tls = false});
    INFO(result.message);
    REQUIRE(result.ok());
    CHECK(result.response.body == "to the end");
}

TEST_CASE("client tls: a password in an https URL never reaches the message", "[http][client][tls]") {
    client_io io;
    http_client client(io.get());
    auto result = client.send_sync({.url = "https://user:secret@127.0.0.1:1/"});
    CHECK(result.error == client_error_kind::connect);
    CHECK(result.message.find("secret") == std::string::npos);
    CHECK(result.message.find("https://user:***@127.0.0.1:1/") != std::string::npos);
}
