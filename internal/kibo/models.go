package kibo

// Models for every schema in Kibo's Event service spec (openapi_event.json).
// JSON names are Kibo's camelCase. Nullable numbers and booleans are pointers
// so that null and zero stay distinct; nullable strings are omitted when empty.

// Collection is the paging envelope every Kibo list shares.
type Collection[T any] struct {
	StartIndex int `json:"startIndex"`
	PageSize   int `json:"pageSize"`
	PageCount  int `json:"pageCount"`
	TotalCount int `json:"totalCount"`
	Items      []T `json:"items"`
}

type (
	EventCollection                = Collection[Event]
	EventSubscriptionCollection    = Collection[EventSubscription]
	EventDeliverySummaryCollection = Collection[EventDeliverySummary]
)

// ExtendedProperty is EventExtendedProperty: a key and a value of any JSON type.
type ExtendedProperty struct {
	Key   *string `json:"key"`
	Value any     `json:"value"`
}

// AuditInfo is AdminUserAuditInfo.
type AuditInfo struct {
	UpdateDate *Time   `json:"updateDate"`
	CreateDate *Time   `json:"createDate"`
	UpdateBy   *string `json:"updateBy"`
	CreateBy   *string `json:"createBy"`
}

// Event is EventEvent, an entry of the pull queue. Its id is 32 hex digits.
type Event struct {
	ID                 string             `json:"id,omitempty"`
	TenantID           *int32             `json:"tenantId"`
	MasterCatalogID    *int32             `json:"masterCatalogId"`
	CatalogID          *int32             `json:"catalogId"`
	SiteID             *int32             `json:"siteId"`
	Topic              string             `json:"topic,omitempty"`
	EntityID           string             `json:"entityId,omitempty"`
	IsTest             *bool              `json:"isTest"`
	CorrelationID      string             `json:"correlationId,omitempty"`
	ExtendedProperties []ExtendedProperty `json:"extendedProperties"`
	AuditInfo          *AuditInfo         `json:"auditInfo,omitempty"`
}

// EventSummary is the event inside a delivery summary.
type EventSummary struct {
	EventID            string             `json:"eventId,omitempty"`
	TenantID           *int32             `json:"tenantId"`
	MasterCatalogID    *int32             `json:"masterCatalogId"`
	CatalogID          *int32             `json:"catalogId"`
	SiteID             *int32             `json:"siteId"`
	EntityID           string             `json:"entityId,omitempty"`
	Topic              string             `json:"topic,omitempty"`
	ExtendedProperties []ExtendedProperty `json:"extendedProperties"`
	CorrelationID      string             `json:"correlationId,omitempty"`
	CreateDate         *Time              `json:"createDate"`
}

// HTTPStatus is the endpoint's answer to one delivery attempt.
type HTTPStatus struct {
	Code int32   `json:"code"`
	Name *string `json:"name"`
}

// DeliveryAttempt is EventDeliveryAttempt.
type DeliveryAttempt struct {
	DeliveryStatus string      `json:"deliveryStatus,omitempty"`
	ErrorType      string      `json:"errorType,omitempty"`
	HTTPStatus     *HTTPStatus `json:"httpStatus,omitempty"`
	Message        string      `json:"message,omitempty"`
	ExecutionDate  *Time       `json:"executionDate"`
}

// EventDeliverySummary is one event's delivery to one subscription.
type EventDeliverySummary struct {
	ID                *int32            `json:"id"`
	DeliveryStatus    string            `json:"deliveryStatus,omitempty"`
	EventSummary      *EventSummary     `json:"eventSummary,omitempty"`
	IsRunning         bool              `json:"isRunning"`
	LastExecutionDate *Time             `json:"lastExecutionDate,omitempty"`
	NextExecutionDate *Time             `json:"nextExecutionDate,omitempty"`
	RetriesRemaining  *int32            `json:"retriesRemaining"`
	CreateDate        *Time             `json:"createDate"`
	UpdateDate        *Time             `json:"updateDate"`
	DeliveryAttempts  []DeliveryAttempt `json:"deliveryAttempts"`
}

// SubscribingSite is a site-level subscription switch.
type SubscribingSite struct {
	SiteID    *int32     `json:"siteId"`
	IsActive  *bool      `json:"isActive"`
	AuditInfo *AuditInfo `json:"auditInfo,omitempty"`
}

// SubscribingTenant is a tenant that receives a subscription's events.
type SubscribingTenant struct {
	SubscribingContextLevelType string            `json:"subscribingContextLevelType,omitempty"`
	TenantID                    *int32            `json:"tenantId"`
	IsActive                    *bool             `json:"isActive"`
	AuditInfo                   *AuditInfo        `json:"auditInfo,omitempty"`
	SubscribingSites            []SubscribingSite `json:"subscribingSites"`
}

// EventSubscription is a push subscription.
type EventSubscription struct {
	ID                       string              `json:"id,omitempty"`
	AppID                    string              `json:"appId,omitempty"`
	APIVersion               string              `json:"apiVersion,omitempty"`
	Topics                   []string            `json:"topics"`
	SubscribingTenants       []SubscribingTenant `json:"subscribingTenants"`
	NotificationDeliveryType string              `json:"notificationDeliveryType,omitempty"`
	ContentType              string              `json:"contentType,omitempty"`
	Endpoint                 string              `json:"endpoint,omitempty"`
	Confirmed                *bool               `json:"confirmed"`
	IsActive                 *bool               `json:"isActive"`
	NoCallback               *bool               `json:"noCallback"`
	CreateDate               *Time               `json:"createDate"`
	UpdateDate               *Time               `json:"updateDate"`
	CreateBy                 string              `json:"createBy,omitempty"`
	UpdateBy                 string              `json:"updateBy,omitempty"`
}

// OAuthRequest is OauthAuthRequest, the JSON body of the token request.
type OAuthRequest struct {
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
	GrantType    string `json:"grant_type"`
	RefreshToken string `json:"refresh_token,omitempty"`
}

// OAuthResponse is OAuthAccessTokenResponse.
type OAuthResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int32  `json:"expires_in"`
	RefreshToken string `json:"refresh_token,omitempty"`
}

// Tenant is the part of GET /api/platform/tenants/{id} kwh uses.
type Tenant struct {
	ID     int32  `json:"id"`
	Name   string `json:"name,omitempty"`
	Domain string `json:"domain"`
	Sites  []Site `json:"sites"`
}

// Site is a tenant's site.
type Site struct {
	ID     int32  `json:"id"`
	Name   string `json:"name,omitempty"`
	Domain string `json:"domain,omitempty"`
}
