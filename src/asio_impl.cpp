// Asio and Beast compiled once for the whole program (their "separate compilation"
// mode), instead of in every file that includes them: faster builds on small machines.
#include <boost/asio/impl/src.hpp>
#include <boost/beast/src.hpp>
