package kibo

import "time"

// PushTimeout is how long Kibo waits for an endpoint to answer a push.
const PushTimeout = 45 * time.Second

// PushAccepted is Kibo's success rule for a push: HTTP 200 and nothing else.
// Kibo's event subscription docs (seed 001) retry every other status,
// 201, 202 and 204 included, although its older guide (seed 000) says "2xx".
func PushAccepted(status int) bool { return status == 200 }
