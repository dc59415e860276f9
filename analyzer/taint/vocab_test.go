package taint_test

import (
	"testing"

	"github.com/djleak/djleak/analyzer/taint"
)

// TestVocabulary is the credential vocabulary's table: every name is
// marked secret or not, with why when it is not obvious.
func TestVocabulary(t *testing.T) {
	v := taint.NewVocab(nil, nil)
	for _, c := range []struct {
		name   string
		secret bool
	}{
		// Credentials.
		{"token", true}, {"access_token", true}, {"refresh_token", true}, {"id_token", true},
		{"api_key", true}, {"API_KEY", true}, {"password", true}, {"client_secret", true},
		{"authKey", true}, {"accessKey", true}, {"apiToken", true}, {"authToken", true},
		{"secretAccessKey", true}, {"AWS_SECRET_ACCESS_KEY", true}, {"AWS_ACCESS_KEY_ID", false},
		{"STRIPE_KEY", true}, {"stripe_key", true}, {"StripeKey", true}, {"TWILIO_KEY", true},
		{"SENDGRID_KEY", true}, {"MAILGUN_KEY", true}, {"GITHUB_KEY", true}, {"OPENAI_KEY", true},
		{"STRIPE_SECRET_KEY", true}, {"stripe_api_key", true}, {"webhook_signature", false},
		{"request_token_secret", true}, {"oauth_token_secret", true}, {"private_key", true},
		{"SECRET_KEY", true}, {"x-api-key", true}, {"bearer", true}, {"jwt", true}, {"sessionid", true},
		{"cert_password", true}, {"certificate_secret", true}, {"keyfile_password", true},
		// Counts and metadata named after tokens.
		{"tokens_deleted", false}, {"token_count", false}, {"expires_at", false}, {"token_type", false},
		{"tokens_used", false}, {"max_tokens", false}, {"token_expiry", false}, {"token_id", false},
		{"token_hash", false}, {"password_changed", false},
		{"access_tokens_delete_no", false}, {"tokens_delete_count", false},
		// Pagination, sync and version tokens.
		{"next_token", false}, {"page_token", false}, {"sync_token", false}, {"nextPageToken", false},
		{"continuation_token", false}, {"version_token", false},
		// Push-notification device tokens.
		{"device_token", false}, {"push_token", false}, {"fcm_token", false}, {"apns_token", false},
		{"notification_token", false}, {"deviceToken", false},
		// A registration or invitation token is a signup link's secret
		// (FCM's "registration tokens" are device_token / fcm_token here).
		{"registration_token", true}, {"invite_token", true},
		// OAuth 1.0a request tokens travel through the browser by protocol.
		{"request_token", false},
		// Paths to key files.
		{"key_file", false}, {"cert_path", false}, {"private_key_path", false}, {"ssl_keyfile", false},
		{"secret_file", false}, {"password_file", false},
		// Public material.
		{"public_key", false}, {"publicKey", false}, {"STRIPE_PUBLISHABLE_KEY", false},
		{"certificate", false}, {"client_cert", false}, {"token_certificate", false},
		// Primary keys, ids, uuids, slugs.
		{"token_pk", false}, {"token_uuid", false}, {"token_slug", false}, {"api_key_id", false},
		// Not secrets at all.
		{"key", false}, {"monkey", false}, {"keyboard", false}, {"RECAPTCHA_SITE_KEY", false},
		{"csrf_token", false}, {"author", false},
	} {
		if got := v.TokenName(c.name, false); got != c.secret {
			t.Errorf("TokenName(%q) = %v, want %v", c.name, got, c.secret)
		}
	}
}
