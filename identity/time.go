package identity

import "time"

// zeroTime is the expiry of records that do not expire.
var zeroTime time.Time
