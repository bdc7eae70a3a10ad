#include <zmq.h>

