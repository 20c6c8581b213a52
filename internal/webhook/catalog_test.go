package webhook

import (
	"slices"
	"testing"
)

func TestCatalog(t *testing.T) {
	if n := len(Topics()); n < 120 {
		t.Fatalf("%d topics, want every one of Kibo's", n)
	}
	ship, ok := Lookup("Shipment.StatusChanged")
	if !ok || !slices.Equal(ship.ExtendedProperties, []string{"orderId", "oldstatus", "newstatus", "locationCode", "childShipmentNumbers"}) || ship.EntityID != "Shipment ID" {
		t.Fatalf("shipment.statuschanged: %+v", ship)
	}
	if o, _ := Lookup("order.opened"); o.Category != "Order" || o.EntityID != "Order ID" {
		t.Errorf("order.opened: %+v", o)
	}
	for pattern, want := range map[string]bool{"order.opened": true, "order.*": true, "nosuch.*": false, "order.opend": false} {
		if Known(pattern) != want {
			t.Errorf("Known(%q) != %v", pattern, want)
		}
	}
	if near := Nearest("order.opend", 3); len(near) == 0 || near[0] != "order.opened" {
		t.Errorf("Nearest(order.opend) = %v", near)
	}
	if near := Nearest("zzzzzzzzzzzz", 3); len(near) != 0 {
		t.Errorf("Nearest(garbage) = %v", near)
	}
}
