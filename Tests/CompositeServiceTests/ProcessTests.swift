import Testing

/// Every suite that starts real processes (the service binary, PostgreSQL) runs inside this one, one test at a time:
/// on a 2-core machine, parallel servers starve each other and their timing assertions.
@Suite(.serialized) enum ProcessTests {}
