package notify

// Level is a SaleOrder's collection risk level. The values are those of
// status.riskLevel.
type Level string

// The risk levels in ascending order.
const (
	LevelNone   Level = "None"
	LevelLow    Level = "Low"
	LevelMedium Level = "Medium"
	LevelHigh   Level = "High"
)

// rank orders the levels. An unknown level has no rank.
func (l Level) rank() (int, bool) {
	switch l {
	case LevelNone, "":
		return 0, true
	case LevelLow:
		return 1, true
	case LevelMedium:
		return 2, true
	case LevelHigh:
		return 3, true
	default:
		return 0, false
	}
}

// Valid reports whether l is one of the four levels. The empty level is not
// valid here, although ShouldNotify reads it as None.
func (l Level) Valid() bool {
	_, ok := l.rank()
	return ok && l != ""
}

// orNone returns None for the empty level, which stands for "never notified".
func (l Level) orNone() Level {
	if l == "" {
		return LevelNone
	}
	return l
}

// Direction is a value of spec.notification.email.notifyOn in a
// CollectionPolicy.
type Direction string

const (
	// DirectionIncrease notifies when the level rises.
	DirectionIncrease Direction = "Increase"
	// DirectionDecrease notifies when the level falls.
	DirectionDecrease Direction = "Decrease"
)

// ShouldNotify reports whether a change from previous to next is to be sent
// by email under notifyOn. Previous is the level of the last notification,
// and the empty level counts as None, so the first level of a new order is a
// change from None. An empty notifyOn means both directions, the API's
// default. An unchanged level or an unknown level of either side never
// notifies.
func ShouldNotify(notifyOn []Direction, previous, next Level) bool {
	from, ok := previous.rank()
	if !ok {
		return false
	}
	to, ok := next.rank()
	if !ok || to == from {
		return false
	}

	direction := DirectionDecrease
	if to > from {
		direction = DirectionIncrease
	}
	if len(notifyOn) == 0 {
		return true
	}
	for _, d := range notifyOn {
		if d == direction {
			return true
		}
	}
	return false
}
