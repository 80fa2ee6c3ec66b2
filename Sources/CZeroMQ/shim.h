#ifndef SWARMBFT_CZEROMQ_SHIM_H
#define SWARMBFT_CZEROMQ_SHIM_H
#include <zmq.h>
#include <stdio.h>

/* Function-like macros do not import into Swift; these carry the values across. */
static inline int swarmbft_zmq_version_major(void) { return ZMQ_VERSION_MAJOR; }
static inline int swarmbft_zmq_version_minor(void) { return ZMQ_VERSION_MINOR; }
static inline int swarmbft_zmq_version_patch(void) { return ZMQ_VERSION_PATCH; }
#endif
