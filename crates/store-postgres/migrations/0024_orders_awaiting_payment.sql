-- CHK-9: a customer's orders still awaiting payment, counted at every order without
-- reading the customer's other orders (a loyal customer may have hundreds).
CREATE INDEX orders_awaiting_payment ON orders (customer_id, placed_at)
    WHERE status = 'awaiting_payment';
