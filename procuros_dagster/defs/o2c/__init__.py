"""Order-to-cash: sales orders in; shipping notices, invoices and credit notes out."""
