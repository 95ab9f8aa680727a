Console.WriteLine("exprad: the command-line tool arrives with issue 5.");
return 0;
