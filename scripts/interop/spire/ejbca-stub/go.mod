module github.com/Keyfactor/ejbca-go-client-sdk

go 1.23.0
