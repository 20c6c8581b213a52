package output

import (
	"encoding/json"
	"fmt"

	"go.yaml.in/yaml/v3"
)

// jsonToYAMLNode reads one JSON value token by token and builds the YAML node
// tree for it, preserving object key order.
func jsonToYAMLNode(dec *json.Decoder) (*yaml.Node, error) {
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	return nodeFor(dec, tok)
}

func nodeFor(dec *json.Decoder, tok json.Token) (*yaml.Node, error) {
	switch t := tok.(type) {
	case json.Delim:
		if t == '{' {
			return mappingNode(dec)
		}
		return sequenceNode(dec)
	case string:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: t}, nil
	case json.Number:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: numberTag(t), Value: t.String()}, nil
	case bool:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: fmt.Sprint(t)}, nil
	case nil:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}, nil
	}
	return nil, fmt.Errorf("unexpected JSON token %v", tok)
}

func numberTag(n json.Number) string {
	if _, err := n.Int64(); err == nil {
		return "!!int"
	}
	return "!!float"
}

func mappingNode(dec *json.Decoder) (*yaml.Node, error) {
	n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return nil, err
		}
		val, err := nextNode(dec)
		if err != nil {
			return nil, err
		}
		n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: fmt.Sprint(key)}, val)
	}
	_, err := dec.Token() // closing }
	return n, err
}

func sequenceNode(dec *json.Decoder) (*yaml.Node, error) {
	n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
	for dec.More() {
		val, err := nextNode(dec)
		if err != nil {
			return nil, err
		}
		n.Content = append(n.Content, val)
	}
	_, err := dec.Token() // closing ]
	return n, err
}

func nextNode(dec *json.Decoder) (*yaml.Node, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	return nodeFor(dec, tok)
}
