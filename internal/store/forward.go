package store

// ForwardRecorder gives a backend Fail, Complete and GiveUp: each sets the
// attempt's outcome (Delivered, GaveUp) and hands the state to the one
// function that records an attempt.
type ForwardRecorder func(p Pending, st ForwardState) error

// Fail implements ListenStore.
func (record ForwardRecorder) Fail(p Pending, st ForwardState) error {
	st.Delivered, st.GaveUp = false, false
	return record(p, st)
}

// Complete implements ListenStore.
func (record ForwardRecorder) Complete(p Pending, st ForwardState) error {
	st.Delivered, st.GaveUp = true, false
	return record(p, st)
}

// GiveUp implements ListenStore.
func (record ForwardRecorder) GiveUp(p Pending, st ForwardState) error {
	st.Delivered, st.GaveUp = false, true
	return record(p, st)
}
