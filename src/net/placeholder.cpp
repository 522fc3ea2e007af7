// placeholder: replaced by the outbound HTTP client
