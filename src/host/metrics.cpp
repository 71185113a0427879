#include "host/metrics.h"
