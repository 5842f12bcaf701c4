package clean

import "strings"

// ParseBool parses true/false, yes/no, y/n, t/f, on/off and 1/0, ignoring
// case and surrounding white space.
func ParseBool(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "yes", "y", "t", "on", "1":
		return true, nil
	case "false", "no", "n", "f", "off", "0":
		return false, nil
	}
	return false, errorf(s, "not a boolean (true/false, yes/no, y/n, 1/0)")
}
