"""Payment gateway adapters behind ``core.ports.PaymentGateway``."""
