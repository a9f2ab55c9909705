/* version.h -- the release number. */
#ifndef CT_VERSION_H
#define CT_VERSION_H
#define CT_VERSION	"0.1.0"
#endif
