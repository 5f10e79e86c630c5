package join

import "time"

func timeDuration(ns int64) time.Duration { return time.Duration(ns) }
