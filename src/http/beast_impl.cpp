// The one translation unit of the whole program that compiles Asio's and Beast's
// implementation, Asio's SSL included (BOOST_ASIO_SEPARATE_COMPILATION /
// BOOST_BEAST_SEPARATE_COMPILATION are defined for every component). Everything linking
// chainbot_http gets them from here.
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
