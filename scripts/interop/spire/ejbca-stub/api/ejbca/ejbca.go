// Package ejbca stands in for github.com/Keyfactor/ejbca-go-client-sdk/api/ejbca v1.1.0, whose
// module zip the Go module proxy reachable from this project's machines refuses (403, "This module
// version is not available"). SPIRE v1.15.3 compiles every built-in plugin in, so its EJBCA
// UpstreamAuthority plugin needs this package to exist; the interop suite never configures that
// plugin. This stub has exactly the API surface that
// spire/pkg/server/plugin/upstreamauthority/ejbca uses, and every call that would reach an EJBCA
// server fails with ErrUnavailable.
package ejbca

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/http"
)

// ErrUnavailable is returned by every operation of this stub.
var ErrUnavailable = errors.New("ejbca client stub: the EJBCA UpstreamAuthority plugin is not available in this SPIRE build")

// Authenticator authenticates requests to EJBCA.
type Authenticator interface {
	GetHTTPClient() (*http.Client, error)
}

// MTLSAuthenticatorBuilder builds an mTLS Authenticator.
type MTLSAuthenticatorBuilder struct{}

// NewMTLSAuthenticatorBuilder returns a builder.
func NewMTLSAuthenticatorBuilder() *MTLSAuthenticatorBuilder { return &MTLSAuthenticatorBuilder{} }

// WithClientCertificate is a no-op.
func (b *MTLSAuthenticatorBuilder) WithClientCertificate(*tls.Certificate) *MTLSAuthenticatorBuilder {
	return b
}

// WithCaCertificates is a no-op.
func (b *MTLSAuthenticatorBuilder) WithCaCertificates([]*x509.Certificate) *MTLSAuthenticatorBuilder {
	return b
}

// Build fails with ErrUnavailable.
func (b *MTLSAuthenticatorBuilder) Build() (Authenticator, error) { return nil, ErrUnavailable }

// Configuration holds the client settings.
type Configuration struct {
	Host          string
	authenticator Authenticator
}

// NewConfiguration returns an empty configuration.
func NewConfiguration() *Configuration { return &Configuration{} }

// SetAuthenticator records the authenticator.
func (c *Configuration) SetAuthenticator(a Authenticator) { c.authenticator = a }

// APIClient is the EJBCA REST client.
type APIClient struct {
	V1CertificateApi *V1CertificateApiService
}

// NewAPIClient returns a client whose calls fail with ErrUnavailable.
func NewAPIClient(*Configuration) (*APIClient, error) {
	return &APIClient{V1CertificateApi: &V1CertificateApiService{}}, nil
}

// V1CertificateApiService is the certificate API.
type V1CertificateApiService struct{}

// EnrollPkcs10Certificate starts an enrollment request.
func (s *V1CertificateApiService) EnrollPkcs10Certificate(ctx context.Context) ApiEnrollPkcs10CertificateRequest {
	return ApiEnrollPkcs10CertificateRequest{ctx: ctx}
}

// ApiEnrollPkcs10CertificateRequest is an enrollment request.
type ApiEnrollPkcs10CertificateRequest struct {
	ctx context.Context
}

// EnrollCertificateRestRequest sets the request body.
func (r ApiEnrollPkcs10CertificateRequest) EnrollCertificateRestRequest(EnrollCertificateRestRequest) ApiEnrollPkcs10CertificateRequest {
	return r
}

// Execute fails with ErrUnavailable.
func (r ApiEnrollPkcs10CertificateRequest) Execute() (*CertificateRestResponse, *http.Response, error) {
	return nil, nil, ErrUnavailable
}

// EnrollCertificateRestRequest is the enrollment body.
type EnrollCertificateRestRequest struct {
	Username, Password, CertificateRequest, CertificateAuthorityName string
	CertificateProfileName, EndEntityProfileName, AccountBindingId   string
	IncludeChain                                                     bool
}

// NewEnrollCertificateRestRequest returns an empty body.
func NewEnrollCertificateRestRequest() *EnrollCertificateRestRequest {
	return &EnrollCertificateRestRequest{}
}

// SetUsername sets Username.
func (o *EnrollCertificateRestRequest) SetUsername(v string) { o.Username = v }

// SetPassword sets Password.
func (o *EnrollCertificateRestRequest) SetPassword(v string) { o.Password = v }

// SetCertificateRequest sets CertificateRequest.
func (o *EnrollCertificateRestRequest) SetCertificateRequest(v string) { o.CertificateRequest = v }

// SetCertificateAuthorityName sets CertificateAuthorityName.
func (o *EnrollCertificateRestRequest) SetCertificateAuthorityName(v string) {
	o.CertificateAuthorityName = v
}

// SetCertificateProfileName sets CertificateProfileName.
func (o *EnrollCertificateRestRequest) SetCertificateProfileName(v string) {
	o.CertificateProfileName = v
}

// SetEndEntityProfileName sets EndEntityProfileName.
func (o *EnrollCertificateRestRequest) SetEndEntityProfileName(v string) {
	o.EndEntityProfileName = v
}

// SetIncludeChain sets IncludeChain.
func (o *EnrollCertificateRestRequest) SetIncludeChain(v bool) { o.IncludeChain = v }

// SetAccountBindingId sets AccountBindingId.
func (o *EnrollCertificateRestRequest) SetAccountBindingId(v string) { o.AccountBindingId = v }

// CertificateRestResponse is the enrollment answer.
type CertificateRestResponse struct {
	Certificate      *string
	ResponseFormat   *string
	CertificateChain []string
}

// GetCertificate returns Certificate or "".
func (o *CertificateRestResponse) GetCertificate() string {
	if o == nil || o.Certificate == nil {
		return ""
	}
	return *o.Certificate
}

// GetResponseFormat returns ResponseFormat or "".
func (o *CertificateRestResponse) GetResponseFormat() string {
	if o == nil || o.ResponseFormat == nil {
		return ""
	}
	return *o.ResponseFormat
}

// GenericOpenAPIError is an error answer from the API.
type GenericOpenAPIError struct {
	body  []byte
	error string
}

// Error returns the message.
func (e GenericOpenAPIError) Error() string { return e.error }

// Body returns the raw answer.
func (e GenericOpenAPIError) Body() []byte { return e.body }
