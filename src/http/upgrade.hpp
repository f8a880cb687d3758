#pragma once
/// @file upgrade.hpp
/// @brief What a handler's upgrade acceptor (response::upgrade) receives: the connection,
/// taken out of the HTTP session, and the request that asked for the upgrade, so that the
/// new protocol can answer it (websocket::stream::async_accept(request)).

#include "http/message.hpp"

#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <string>

namespace chainbot::http {

struct upgraded_connection {
    boost::beast::tcp_stream stream;  ///< no operation pending, no expiry set
    boost::beast::http::request<boost::beast::http::string_body> request;
    std::string remote_address;  ///< peer IP address
};

}  // namespace chainbot::http
