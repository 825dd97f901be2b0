/* Declarations only (include/CRdKafka.h): librdkafka itself is loaded at run time, see RDKafkaLibrary.swift. */
#include "CRdKafka.h"
