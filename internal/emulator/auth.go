package emulator

import (
	"encoding/json"
	"mime"
	"net/http"
	"strings"
	"time"
)

// handleOAuth serves POST /api/platform/applications/authtickets/oauth with the
// JSON body OauthAuthRequest and answers OAuthAccessTokenResponse.
func (e *Emulator) handleOAuth(w http.ResponseWriter, r *http.Request) {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		writeError(w, http.StatusUnsupportedMediaType, "VALIDATION_ERROR", "The request body must be application/json.")
		return
	}
	var body struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
		RefreshToken string `json:"refresh_token"`
		GrantType    string `json:"grant_type"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		writeError(w, http.StatusBadRequest, "VALIDATION_ERROR", "The request body is not valid JSON.")
		return
	}
	if body.ClientID == "" {
		writeError(w, http.StatusBadRequest, "REQUIRED_FIELD_MISSING", "client_id is required.")
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	grant := body.GrantType
	if body.RefreshToken != "" {
		grant += "+refresh_token"
	}
	e.grants = append(e.grants, grant)
	// A refresh is what Kibo's SDKs send: grant_type client_credentials with
	// the refresh_token added (OAuth's refresh_token grant is taken too).
	if body.RefreshToken != "" && (body.GrantType == "client_credentials" || body.GrantType == "refresh_token") {
		if e.refresh[body.RefreshToken] != body.ClientID {
			writeError(w, http.StatusUnauthorized, "INVALID_REFRESH_TOKEN", "The refresh token is not valid.")
			return
		}
		delete(e.refresh, body.RefreshToken)
	} else if !e.validApp(body.ClientID, body.ClientSecret) {
		writeError(w, http.StatusUnauthorized, "INVALID_CREDENTIALS", "Invalid credentials: the application "+body.ClientID+" could not be authenticated with the shared secret supplied.")
		return
	}
	access, refresh := newID()+newID(), newID()
	e.tokens[access] = e.Now().Add(e.TokenTTL)
	e.refresh[refresh] = body.ClientID
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token":  access,
		"token_type":    "Bearer",
		"expires_in":    int(e.TokenTTL / time.Second),
		"refresh_token": refresh,
	})
}

func (e *Emulator) validApp(id, secret string) bool {
	for _, a := range e.seed.Apps {
		if a.ClientID == id && a.SharedSecret == secret {
			return true
		}
	}
	return false
}

// authed rejects a missing, unknown or expired bearer token with 401.
func (e *Emulator) authed(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		scheme, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		e.mu.Lock()
		exp, ok := e.tokens[tok]
		now := e.Now()
		e.mu.Unlock()
		switch {
		case !strings.EqualFold(scheme, "Bearer") || tok == "":
			writeError(w, http.StatusUnauthorized, "UNAUTHORIZED", "Missing or invalid Authorization header: a Bearer token is required.")
		case !ok:
			writeError(w, http.StatusUnauthorized, "UNAUTHORIZED", "The access token is not valid.")
		case !now.Before(exp):
			writeError(w, http.StatusUnauthorized, "UNAUTHORIZED", "The access token has expired.")
		default:
			next(w, r)
		}
	}
}

// Grants lists the grant_type of every token request, in order, with
// "+refresh_token" when one was sent.
func (e *Emulator) Grants() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.grants...)
}
