#ifndef SWARMBFT_CSODIUM_SHIM_H
#define SWARMBFT_CSODIUM_SHIM_H
#include <sodium.h>
#endif
