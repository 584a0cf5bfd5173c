package audit

// SpoolStep moves queued entries to the spool now, as Run does every
// FlushEvery (for the package's external tests and benchmarks).
func (l *Log) SpoolStep() int { return l.spoolStep() }
