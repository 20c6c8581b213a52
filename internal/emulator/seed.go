package emulator

import (
	"encoding/json"
	"fmt"
	"os"
)

// Seed is the emulator's starting state. Subscriptions, events and delivery
// summaries are raw JSON objects shaped exactly like the schemas of Kibo's
// Event spec, so the emulator answers with what a fixture says, field for field.
type Seed struct {
	Apps          []App            `json:"apps"`
	Tenants       []map[string]any `json:"tenants"`
	Subscriptions []map[string]any `json:"subscriptions"`
	Events        []map[string]any `json:"events"`
	// DeliveryAttempts maps a subscription id to its EventDeliverySummary objects.
	DeliveryAttempts map[string][]map[string]any `json:"deliveryAttempts"`
}

// App is an installed application's credentials.
type App struct {
	ClientID     string `json:"clientId"`
	SharedSecret string `json:"sharedSecret"`
}

// LoadSeed reads a seed file.
func LoadSeed(path string) (Seed, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return Seed{}, err
	}
	return ParseSeed(raw)
}

// ParseSeed decodes a seed document.
func ParseSeed(raw []byte) (Seed, error) {
	var s Seed
	if err := json.Unmarshal(raw, &s); err != nil {
		return Seed{}, fmt.Errorf("seed: %w", err)
	}
	return s, nil
}
