package handlercheck_test

import (
	"reflect"
	"testing"

	"github.com/kwh-cli/kwh/internal/handlercheck"
)

func TestProcessOrder(t *testing.T) {
	tests := []struct {
		name   string
		topics []string
		want   []string
	}{
		{"order lifecycle", orderTopics(), []string{
			"order.opened", "order.imported", "order.pendingreview",
			"order.addresschanged", "order.errored", "order.saved", "order.subscriptioncreated", "order.updated",
			"order.abandoned", "order.fulfilled", "order.cancelled", "order.closed"}},
		{"created before changed before deleted", []string{"product.deleted", "product.updated", "product.coderenamed", "product.created"},
			[]string{"product.created", "product.coderenamed", "product.updated", "product.deleted"}},
		{"no birth topic: changes by name", []string{"shipment.workflowstatechanged", "shipment.statuschanged"},
			[]string{"shipment.statuschanged", "shipment.workflowstatechanged"}},
		{"unknown verbs sit in the middle", []string{"x.closed", "x.frobbed", "x.created"}, []string{"x.created", "x.frobbed", "x.closed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := handlercheck.ProcessOrder(tt.topics); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %v\nwant %v", got, tt.want)
			}
		})
	}
}

func TestFamilies(t *testing.T) {
	got := handlercheck.Families([]string{"shipment.statuschanged", "Order.Closed", "order.opened", "order.opened", "cart.created"})
	want := []handlercheck.Family{
		{Name: "cart", Topics: []string{"cart.created"}},
		{Name: "order", Topics: []string{"order.opened", "order.closed"}},
		{Name: "shipment", Topics: []string{"shipment.statuschanged"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %v\nwant %v", got, want)
	}
}
